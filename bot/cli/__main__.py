"""`python -m bot.cli`: the same as the `bridgework` command."""

from bot.cli import main

main()
