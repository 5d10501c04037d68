"""The leads' dashboard: a read-only web view of a community's network, trend and themes.

``access``   one-use expiring links the bot sends, the sessions they open, who may see what
``pages``    each page's data as plain values, from the digest's own figures
``charts``   the charts as server-rendered SVG
``tables``   each chart's table, and its CSV
``app``      the ASGI routes and the Jinja2 templates (``templates/``, ``static/``)
"""
