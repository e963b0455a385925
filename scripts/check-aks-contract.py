#!/usr/bin/env python3
"""Checks AKS agent-pool traffic against Microsoft's own model of the API.

A third reading of the AKS contract, beside the emulator's and the provider's: the
models of the official Python SDK, azure-mgmt-containerservice 41.8.0 (TypeSpec-generated
from the same swagger as ../shared/api-specs/aks, default api-version 2026-08-01). It
reads the models' own declarations -- each `rest_field(name=..., visibility=[...])` and
each type annotation -- and calls no code of the emulator or the provider.

Input (stdin), JSON:

    {"requests":  [{"method": "PUT", "path": "/subscriptions/.../agentPools/gpu",
                    "query": "api-version=2026-08-01",   # optional; null = no query string
                    "body": {...} or null}, ...],
     "responses": [{"what": "GET .../agentPools/gpu", "body": {...},
                    "require_etag": true,               # optional, default true
                    "model": "AgentPool"}, ...]}         # optional: AgentPool,
                                                         # AgentPoolListResult, ErrorResponse;
                                                         # guessed from the body otherwise

Output: one line per violation, `where: what`; warnings as `warning: where: what`; then
one summary line `N requests, M responses checked ...`.

Exit status: 0 all conform, 1 violations, 2 unusable input, 3 the SDK is not installed
(`pip install azure-mgmt-containerservice==41.8.0`), so a caller can fail in CI and skip
elsewhere.

What is checked:
  * PUT .../managedClusters/{c}/agentPools/{pool}: a body is sent, and it is an AgentPool
    as the model writes it: property names the model knows (exact wire names, case and
    all), no read-only property (visibility without "create"/"update", such as
    provisioningState, eTag, currentOrchestratorVersion, id, type; and a nested object
    whose properties are all read-only, such as `status`), JSON types from the
    annotations, enum values the SDK's enums know (strictly: a request is poolctl's own
    choice), `name` if sent equal to the path's pool, every nodeTaints entry
    `key[=value]:Effect` with Effect NoSchedule, PreferNoSchedule or NoExecute, and the
    pool name in the path following the swagger's pattern ^[a-z][a-z0-9]{0,11}$.
  * GET and DELETE: no body. Any other call under /subscriptions/ with a body: a failure
    (agent pools take no PATCH or POST body). Calls outside /subscriptions/ (not ARM: a
    token endpoint, say) and other calls without a body are counted as "unchecked".
  * Every ARM request whose `query` is given: api-version=2026-08-01.
  * Responses: AgentPool objects (GET/PUT answers) and list pages {"value": [...],
    "nextLink"}: property names known, types right, properties.provisioningState present
    and a string, properties.eTag present (unless require_etag is false: the official
    PUT examples themselves leave it out), nodeTaints well-formed.
    An enum value the SDK does not know is a failure only for enums the swagger marks
    non-extensible (x-ms-enum modelAsString: false); every enum reachable from AgentPool
    in the 2026-08-01 swagger is modelAsString: true, so these are warnings.
"""

import datetime
import enum
import json
import re
import sys
import typing

PINNED = "41.8.0"
API_VERSION = "2026-08-01"
INSTALL = f"pip install azure-mgmt-containerservice=={PINNED}"

# Enums the swagger marks non-extensible ("x-ms-enum": {"modelAsString": false}). In
# managedClusters.json at 2026-08-01 none of those reachable from AgentPool is: AgentPoolMode,
# ScaleSetPriority, ScaleSetEvictionPolicy, OSType, OSSKU, OSDiskType, ScaleDownMode,
# PodIPAllocationMode, Protocol, GPUDriver, DRANETMode and AgentPoolSSHAccess were read
# there, all modelAsString: true. An unknown value in a response is therefore a warning; a
# name added here makes it a failure.
NON_EXTENSIBLE_ENUMS = frozenset()

# Writable properties whose sending has a side effect worth a line in the output.
REQUEST_NOTES = {
    ("AgentPoolManagedClusterAgentPoolProfileProperties", "nodeImageVersion"): (
        "nodeImageVersion is writable at 2026-08-01, but setting it triggers an agent pool "
        "rollback (only values from recentlyUsedVersions are allowed)"
    ),
}

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

# The swagger's pattern for an agent pool's name (ManagedClusterAgentPoolProfile.name).
POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")

POOL_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.ContainerService/managedClusters/(?P<cluster>[^/]+)/agentPools"
    r"(?:/(?P<pool>[^/]+))?/?$",
    re.IGNORECASE,
)

# Kubernetes: a label/taint key is an optional DNS-subdomain prefix and `/`, then a name of
# at most 63 characters; a value is at most 63 of the same characters, or empty.
K8S_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def load_sdk():
    """The SDK's models package and its base model class; exits 3 when it is absent."""
    try:
        import azure.mgmt.containerservice.models as models
        from azure.mgmt.containerservice._utils.model_base import Model
    except ImportError as e:
        print(
            "the AKS contract check needs Microsoft's model of the API, the PyPI package "
            f"azure-mgmt-containerservice {PINNED}, which is not importable here ({e}); "
            f"install it with: {INSTALL}",
            file=sys.stderr,
        )
        sys.exit(3)
    try:
        from importlib.metadata import version

        found = version("azure-mgmt-containerservice")
    except Exception:  # noqa: BLE001 - only for the message
        found = "?"
    return models, Model, found


class Schema:
    """The SDK models read as a schema: wire names, visibility and types per class."""

    def __init__(self, models, base):
        self.models = models
        self.base = base
        import azure.mgmt.containerservice.models._models as module

        self.namespace = dict(vars(module))
        self.namespace["_models"] = models
        self._fields = {}

    def is_model(self, t):
        return isinstance(t, type) and issubclass(t, self.base)

    def fields(self, cls):
        """{wire name: (attribute, visibility, type)} of a model class, bases included."""
        if cls not in self._fields:
            hints = typing.get_type_hints(cls, globalns=self.namespace)
            out = {}
            for klass in reversed(cls.__mro__):
                for attr, value in vars(klass).items():
                    if hasattr(value, "_rest_name_input") and hasattr(value, "_visibility"):
                        wire = value._rest_name_input or attr
                        out[wire] = (attr, value._visibility, hints.get(attr, typing.Any))
            self._fields[cls] = out
        return self._fields[cls]

    def anything_writable(self, t, seen=()):
        """Whether a value of type `t` can carry anything a client may set."""
        t = strip_optional(t)
        if self.is_model(t):
            if t in seen:
                return False
            return any(
                writable(vis) and self.anything_writable(ty, seen + (t,))
                for _, vis, ty in self.fields(t).values()
            )
        origin = typing.get_origin(t)
        if origin in (list, dict):
            return self.anything_writable(typing.get_args(t)[-1], seen)
        return True


def writable(visibility):
    return visibility is None or "create" in visibility or "update" in visibility


def strip_optional(t):
    if typing.get_origin(t) is typing.Union:
        args = [a for a in typing.get_args(t) if a is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]
    return t


def kind_of(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, (int, float)):
        return f"the number {json.dumps(value)}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def join(at, key):
    return key if not at else f"{at}.{key}"


class Walk:
    """One body checked against one model, in one direction."""

    def __init__(self, schema, direction, where, out):
        self.schema = schema
        self.request = direction == "request"
        self.where = where
        self.out = out

    def fail(self, at, what):
        self.out.fail(f"{self.where} at {at or '(body)'}", what)

    def warn(self, at, what):
        self.out.warn(f"{self.where} at {at or '(body)'}", what)

    def model(self, cls, value, at, allow=()):
        if not isinstance(value, dict):
            self.fail(at, f"expected a {cls.__name__} object, found {kind_of(value)}")
            return
        fields = self.schema.fields(cls)
        for key, item in value.items():
            here = join(at, key)
            if key not in fields:
                hint = [k for k in fields if k.lower() == key.lower()]
                did_you_mean = (
                    f" (did you mean `{hint[0]}`? wire names are case-sensitive)" if hint else ""
                )
                self.fail(here, f"unknown property `{key}`: {cls.__name__} has none{did_you_mean}")
                continue
            _, visibility, t = fields[key]
            if self.request and key not in allow:
                if not writable(visibility):
                    self.fail(
                        here,
                        f"read-only property sent: {cls.__name__}.{key} is read-only "
                        f"(visibility {visibility})",
                    )
                elif not self.schema.anything_writable(t):
                    self.fail(
                        here,
                        f"read-only property sent: everything in {cls.__name__}.{key} is read-only",
                    )
            if self.request and (cls.__name__, key) in REQUEST_NOTES:
                self.warn(here, REQUEST_NOTES[(cls.__name__, key)])
            self.value(t, item, here, key)

    def value(self, t, value, at, key):
        if value is None:
            # Every property is optional in the model; null reads as "not set".
            if self.request:
                self.warn(at, "null sent; leave the property out instead")
            return
        t = strip_optional(t)
        origin = typing.get_origin(t)
        if t is typing.Any:
            return
        if self.schema.is_model(t):
            self.model(t, value, at)
        elif origin is typing.Union:
            self.enum(t, value, at)
        elif isinstance(t, type) and issubclass(t, enum.Enum):
            self.enum(typing.Union[str, t], value, at)
        elif origin is list:
            if not isinstance(value, list):
                self.fail(at, f"expected an array, found {kind_of(value)}")
                return
            (inner,) = typing.get_args(t)
            for i, item in enumerate(value):
                self.value(inner, item, f"{at}[{i}]", key)
            if key == "nodeTaints":
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        why = taint_problem(item)
                        if why:
                            self.fail(f"{at}[{i}]", why)
        elif origin is dict:
            if not isinstance(value, dict):
                self.fail(at, f"expected an object (a map), found {kind_of(value)}")
                return
            _, inner = typing.get_args(t)
            for k, item in value.items():
                self.value(inner, item, f"{at}[{json.dumps(k)}]", key)
        elif t is bool:
            if not isinstance(value, bool):
                self.fail(at, f"expected a boolean, found {kind_of(value)}")
        elif t is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(at, f"expected an integer, found {kind_of(value)}")
        elif t is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(at, f"expected a number, found {kind_of(value)}")
        elif t is str or t is bytes:
            if not isinstance(value, str):
                self.fail(at, f"expected a string, found {kind_of(value)}")
        elif t is datetime.datetime:
            if not isinstance(value, str) or not is_datetime(value):
                self.fail(at, f"expected an RFC 3339 date-time string, found {kind_of(value)}")
        else:
            self.fail(at, f"the check does not know the model's type {t!r}")

    def enum(self, t, value, at):
        enums = [a for a in typing.get_args(t) if isinstance(a, type) and issubclass(a, enum.Enum)]
        if not isinstance(value, str):
            self.fail(at, f"expected a string, found {kind_of(value)}")
            return
        if len(enums) != 1:
            self.fail(at, f"the check does not know the model's type {t!r}")
            return
        (cls,) = enums
        known = [m.value for m in cls]
        if value in known:
            return
        same = [k for k in known if k.lower() == value.lower()]
        hint = f" (the model spells it {json.dumps(same[0])})" if same else ""
        what = (
            f"{json.dumps(value)} is not a known {cls.__name__} value "
            f"[{', '.join(known)}]{hint}"
        )
        if self.request:
            self.fail(at, what)
        elif cls.__name__ in NON_EXTENSIBLE_ENUMS:
            self.fail(at, what + "; the swagger marks this enum non-extensible")
        else:
            self.warn(at, what + "; the enum is extensible, so a newer service may send it")


def taint_problem(text):
    """Why a nodeTaints entry is not `key[=value]:Effect`, or None."""
    head, colon, effect = text.rpartition(":")
    if not colon:
        return f"malformed taint {json.dumps(text)}: expected key[=value]:Effect"
    if effect not in TAINT_EFFECTS:
        return (
            f"malformed taint {json.dumps(text)}: effect {json.dumps(effect)} is not one of "
            f"{', '.join(TAINT_EFFECTS)}"
        )
    key, _, value = head.partition("=")
    prefix, slash, name = key.rpartition("/")
    good_prefix = not slash or (DNS_SUBDOMAIN.match(prefix) and len(prefix) <= 253)
    if not K8S_NAME.match(name) or not good_prefix:
        return f"malformed taint {json.dumps(text)}: {json.dumps(key)} is not a Kubernetes key"
    if value and not K8S_NAME.match(value):
        return (
            f"malformed taint {json.dumps(text)}: {json.dumps(value)} is not a Kubernetes value"
        )
    return None


# RFC 3339 date-time; ARM gives up to seven fractional digits, and the zone is tolerated
# missing as the SDK's deserializer does.
DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$"
)


def is_datetime(text):
    return DATETIME.match(text) is not None


class Findings:
    def __init__(self):
        self.failures = []
        self.warnings = []

    def fail(self, where, what):
        self.failures.append(f"{where}: {what}")

    def warn(self, where, what):
        self.warnings.append(f"{where}: {what}")


def check_request(schema, i, request, out, counts):
    if not isinstance(request, dict):
        out.fail(f"request[{i}]", f"expected {{method, path, body}}, found {kind_of(request)}")
        return
    method = str(request.get("method", "")).upper()
    path = str(request.get("path", ""))
    body = request.get("body")
    where = f"request[{i}] {method} {path}"
    if not path.startswith("/subscriptions/"):
        # Not ARM (a token endpoint, the emulator's own routes): another contract.
        counts["skipped"] += 1
        return
    if "query" in request:
        query = request["query"] or ""
        pairs = [p.partition("=") for p in query.split("&")]
        versions = [value for name, _, value in pairs if name == "api-version"]
        if versions != [API_VERSION]:
            out.fail(
                where,
                f"api-version must be {API_VERSION} (the version this model describes), "
                f"the query string is {json.dumps(request['query'])}",
            )
    match = POOL_PATH.match(path)
    pool = match.group("pool") if match else None
    if pool is not None and not POOL_NAME.match(pool):
        out.fail(where, f"agent pool name {json.dumps(pool)} does not match {POOL_NAME.pattern}")
    if method in ("GET", "DELETE", "HEAD"):
        if body is not None:
            out.fail(where, f"a {method} carries no body, this one sends {kind_of(body)}")
        counts["bodiless"] += 1
        return
    if method == "PUT" and pool is not None:
        if body is None:
            out.fail(where, "a PUT of an agent pool must send the AgentPool as its body")
            return
        walk = Walk(schema, "request", where, out)
        walk.model(schema.models.AgentPool, body, "", allow=("name",))
        if isinstance(body, dict) and "name" in body and body["name"] != pool:
            out.fail(
                f"{where} at name",
                f"{json.dumps(body['name'])} does not match the pool name in the path "
                f"{json.dumps(pool)}",
            )
        counts["put"] += 1
        return
    if body is not None:
        out.fail(
            where,
            "sends a body to a call this check does not know "
            "(agent pools take PUT, GET and DELETE)",
        )
    else:
        counts["skipped"] += 1


def check_response(schema, i, response, out):
    if not isinstance(response, dict) or "body" not in response:
        out.fail(f"response[{i}]", "expected an object with what and body")
        return
    body = response["body"]
    where = f"response[{i}] {response.get('what', '')}".rstrip()
    require_etag = response.get("require_etag", True) is not False
    model = response.get("model")
    if model is None:
        if isinstance(body, dict) and "value" in body:
            model = "AgentPoolListResult"
        elif isinstance(body, dict) and "error" in body and "properties" not in body:
            model = "ErrorResponse"
        else:
            model = "AgentPool"
    walk = Walk(schema, "response", where, out)
    if model == "AgentPool":
        pool_response(schema, walk, body, "", require_etag)
    elif model == "AgentPoolListResult":
        if not isinstance(body, dict):
            walk.fail("", f"expected an AgentPoolListResult object, found {kind_of(body)}")
            return
        for key in body:
            if key not in ("value", "nextLink"):
                walk.fail(
                    key, f"unknown property `{key}`: AgentPoolListResult has value and nextLink"
                )
        items = body.get("value")
        if not isinstance(items, list):
            found = kind_of(items) if "value" in body else "nothing"
            walk.fail("value", f"required array of AgentPool, found {found}")
        else:
            for n, item in enumerate(items):
                pool_response(schema, walk, item, f"value[{n}]", require_etag)
        link = body.get("nextLink")
        if link is not None and not isinstance(link, str):
            walk.fail("nextLink", f"expected a URI string, found {kind_of(link)}")
    elif model == "ErrorResponse":
        walk.model(schema.models.ErrorResponse, body, "")
    else:
        out.fail(
            where,
            f"unknown model {json.dumps(model)}: AgentPool, AgentPoolListResult or ErrorResponse",
        )


def pool_response(schema, walk, body, at, require_etag):
    walk.model(schema.models.AgentPool, body, at)
    if not isinstance(body, dict):
        return
    props = body.get("properties")
    if not isinstance(props, dict):
        found = kind_of(props) if "properties" in body else "nothing"
        walk.fail(join(at, "properties"), f"an AgentPool answer carries properties, found {found}")
        return
    state = join(at, "properties.provisioningState")
    # The walk above has checked its type already (a string, from the annotation).
    if "provisioningState" not in props:
        walk.fail(state, "missing: an answer carries the pool's provisioning state")
    elif props["provisioningState"] is None:
        walk.fail(state, "expected a string, found null")
    if require_etag and "eTag" not in props:
        walk.fail(join(at, "properties.eTag"), "missing: an answer carries the pool's eTag")
    name, rid = body.get("name"), body.get("id")
    if isinstance(name, str) and isinstance(rid, str):
        if rid.rsplit("/", 1)[-1].lower() != name.lower():
            walk.fail(
                join(at, "id"),
                f"{json.dumps(rid)} does not end with the pool's name {json.dumps(name)}",
            )


def main():
    try:
        data = json.load(sys.stdin)
    except json.JSONDecodeError as e:
        print(f"input is not JSON: {e}", file=sys.stderr)
        return 2
    if not (
        isinstance(data, dict)
        and isinstance(data.get("requests", []), list)
        and isinstance(data.get("responses", []), list)
    ):
        print('input must be {"requests": [...], "responses": [...]}', file=sys.stderr)
        return 2
    models, base, found = load_sdk()
    schema = Schema(models, base)
    out = Findings()
    if found != PINNED:
        out.warn(
            "azure-mgmt-containerservice",
            f"version {found} installed, the check is pinned to {PINNED} ({INSTALL})",
        )
    counts = {"put": 0, "bodiless": 0, "skipped": 0}
    requests = data.get("requests", [])
    responses = data.get("responses", [])
    for i, request in enumerate(requests):
        check_request(schema, i, request, out, counts)
    for i, response in enumerate(responses):
        check_response(schema, i, response, out)
    for line in out.failures:
        print(line)
    for line in out.warnings:
        print(f"warning: {line}")
    print(
        f"{len(requests)} requests, {len(responses)} responses checked "
        f"({counts['put']} PUT bodies, {counts['bodiless']} without body, "
        f"{counts['skipped']} others unchecked) "
        f"against azure-mgmt-containerservice {found}, api-version {API_VERSION}: "
        f"{len(out.failures)} violations, {len(out.warnings)} warnings"
    )
    return 1 if out.failures else 0


if __name__ == "__main__":
    sys.exit(main())
