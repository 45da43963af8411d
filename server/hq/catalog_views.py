"""Head office's price lists as stores fetch them: the versions after the one a store holds
(the one in force and those to come), each with its exact signed document."""
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema

from server.central import hq_catalogs
from server.clock import to_iso
from server.hq.keys import STORAGE
from server.hq.schemas import CatalogsQuerySchema, CatalogsSchema
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.keys import CLOCK


@docs(tags=["catalogs"], summary="Price lists for stores, signed by head office",
      description="A store (signed GET) or people at head office. Versions with a seq above "
      "`after`: the newest already in force, and every one effective later (at most 100). "
      "A store verifies each `signature` over `document` against the key it pinned "
      "(`hq public-key`), and that the document's items make its `version`.",
      responses={200: {"schema": CatalogsSchema, "description": "The versions"},
                 **errors(401, 403, 422, 500, 503)})
@querystring_schema(CatalogsQuerySchema)
async def get_catalogs(request: web.Request) -> web.Response:
    catalogs, now = request.app[STORAGE].catalogs, to_iso(request.app[CLOCK]())
    rows = await catalogs.releases_after(request["querystring"]["after"], now)
    return json_response({"catalogs": rows,
                          "public_key": await hq_catalogs.public_key(catalogs, now)})
