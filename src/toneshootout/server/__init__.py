"""The web service: FastAPI app, one package per feature, database and storage glue."""
