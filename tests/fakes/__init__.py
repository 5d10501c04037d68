"""Contract fakes of the platforms Bridgework talks to."""
