"""The REST API: schemas, validation, the error envelope, thin views, the route table, /docs."""
