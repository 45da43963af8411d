"""The store's service: its app factory, keys, routes, views, schemas, pages and sockets,
over the edge's domain (server/edge, server/central, server/sync, server/journal)."""
