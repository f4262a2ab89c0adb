"""API viewsets of this app, listed in `routes` for `dangjian/api_urls.py`."""

routes: list = []
