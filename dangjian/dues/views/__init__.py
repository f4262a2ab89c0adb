"""The dues pages (党费), one module per page family; `dues/urls.py` lists their routes."""
