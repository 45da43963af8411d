"""Head office's price lists as stores fetch them: the versions after the one a store holds
(the one in force and those to come), each with its exact signed document; and, for people,
which store runs which."""
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema

from server.clock import to_iso
from server.hq.keys import HQ_PUBLIC_KEY, STORAGE
from server.hq.schemas import CatalogsInUseSchema, CatalogsQuerySchema, CatalogsSchema
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.keys import CLOCK


@docs(tags=["catalogs"], summary="Price lists for stores, signed by head office",
      description="A store (signed GET) or people at head office. Versions with a seq above "
      "`after`: the newest already in force, and every one effective later (at most 20). "
      "A store verifies each `signature` over `document` against the key it pinned "
      "(`hq public-key`), and that the document's items make its `version`.",
      responses={200: {"schema": CatalogsSchema, "description": "The versions"},
                 **errors(401, 403, 422, 500, 503)})
@querystring_schema(CatalogsQuerySchema)
async def get_catalogs(request: web.Request) -> web.Response:
    catalogs, now = request.app[STORAGE].catalogs, to_iso(request.app[CLOCK]())
    rows = await catalogs.releases_after(request["querystring"]["after"], now)
    return json_response({"catalogs": rows, "public_key": request.app[HQ_PUBLIC_KEY]})


@docs(tags=["catalogs"], summary="Which store runs which price list",
      description="People at head office. Each enrolled store's catalog as its last status "
      "report said (version, seq, the last release it refused), beside the one in force.",
      responses={200: {"schema": CatalogsInUseSchema, "description": "Per store"},
                 **errors(401, 403, 500, 503)})
async def get_catalogs_in_use(request: web.Request) -> web.Response:
    storage, now = request.app[STORAGE], to_iso(request.app[CLOCK]())
    in_force = await storage.catalogs.in_force(now)
    reports = {report["store_id"]: report for report in await storage.statuses.latest()}
    stores = []
    for store in await storage.registry.stores():
        report = reports.get(store["store_id"], {})
        catalog = report.get("status", {}).get("catalog")
        stores.append({"store_id": store["store_id"], "catalog": catalog,
                       "reported_at": report.get("sent_at"),
                       "up_to_date": bool(in_force and catalog
                                          and catalog.get("version") == in_force["version"])})
    return json_response({"in_force": in_force, "stores": stores})
