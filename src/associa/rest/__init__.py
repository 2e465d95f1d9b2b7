"""Qlik Cloud's REST API over the engine (``/api/v1``).

``application.create_rest_app`` builds the Starlette application from the operations
of the resource modules listed in ``resources.py``; ``operations.py`` holds the table's
row type and the request pipeline, ``openapi.py`` the generated document.
"""
