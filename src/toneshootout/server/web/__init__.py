"""The browser app's pages: HTML routes, Jinja2 templates and the static files they use.

Pages read through the same services the API uses and hold no rule of their own; every write
the browser makes goes to the JSON API (`static/js/api.js`).
"""
