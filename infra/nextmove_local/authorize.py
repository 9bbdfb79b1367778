"""IAM enforced on the local AWS: every request moto's server receives with a function's
credentials is authorized against that function's role (``iam.py``) first, as AWS would.

Each function signs with credentials of its own (``Credentials``); the operator (the
local stack's own set-up and pumps that stand for AWS services, the tests' checks)
signs with the stack's. A request is turned into the authorization requests AWS makes
for it: one per DynamoDB transaction item (``PutItem``, ``UpdateItem``, ``DeleteItem``,
``ConditionCheckItem``) and per table of a batch, one per PutEvents entry (with
``events:source`` and ``events:detail-type``), ``ses:FromAddress`` and
``ses:Recipients`` for a send, and for a resource encrypted with a KMS key, the
``kms:Decrypt``/``kms:GenerateDataKey`` the service asks for on the caller's behalf
(``kms:ViaService``), which the key policy and the role must both allow. A denied
request is answered as the service answers it: botocore raises ``ClientError`` with
the service's code (``AccessDeniedException``; SQS ``AccessDenied``, SNS
``AuthorizationError``, SES ``AccessDenied``) and AWS's message, which names the role,
the function, the action and the resource.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from nextmove_local.iam import Context, Request, Role, evaluate_key_policy
from nextmove_local.ses_simulator import LocalSes

_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
_DYNAMODB_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
# Batch calls authorized as the single action they batch.
_SQS_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_DENIED_CODE = {"sqs": "AccessDenied", "sns": "AuthorizationError", "ses": "AccessDenied"}


@dataclass(frozen=True)
class Credentials:
    """A function's credentials, as Lambda puts them in its environment."""

    access_key_id: str
    secret_access_key: str
    session_token: str

    @classmethod
    def minted(cls) -> Credentials:
        return cls(
            "ASIA" + uuid.uuid4().hex[:16].upper(),
            base64.b64encode(uuid.uuid4().bytes * 2).decode()[:40],
            base64.b64encode(uuid.uuid4().bytes * 4).decode(),
        )


@dataclass(frozen=True)
class Denial:
    role: Role
    request: Request
    decision: str

    @property
    def message(self) -> str:
        why = (
            "with an explicit deny"
            if self.decision == "explicit_deny"
            else f"because no identity-based policy allows the {self.request.action} action"
        )
        return (
            f"User: {self.role.session_arn} is not authorized to perform: "
            f"{self.request.action} on resource: {self.request.resource} {why} "
            f"(function {self.role.function})"
        )


@dataclass
class Authorizer:
    """The local stack's IAM: who holds which credentials, their roles, and what the
    template encrypts with which key."""

    region: str
    account: str
    roles: dict[str, Role] = field(default_factory=dict)  # access key id -> role
    encrypted: dict[str, str] = field(default_factory=dict)  # resource ARN -> key ARN
    key_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    secret_arns: dict[str, str] = field(default_factory=dict)  # secret name -> ARN
    denied: list[Denial] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, credentials: Credentials, role: Role) -> None:
        self.roles[credentials.access_key_id] = role

    def check(self, access_key: str, service: str, action: str, params: Any) -> Denial | None:
        """The first denial for this call by ``access_key``, or None when every
        authorization request is allowed (or the caller is not a function)."""
        role = self.roles.get(access_key)
        if role is None:
            return None
        for request in self.requests(role, service, action, params):
            if request.action.startswith("kms:"):
                key = request.resource
                decision = evaluate_key_policy(
                    self.key_policies.get(key, []),
                    [g.statement for g in role.grants],
                    role.arn,
                    request,
                )
            else:
                decision = role.decide(request)
            if decision != "allow":
                denial = Denial(role, request, decision)
                with self._lock:
                    self.denied.append(denial)
                return denial
        return None

    # ---- what AWS asks IAM for each call --------------------------------------------

    def requests(self, role: Role, service: str, action: str, params: Any) -> list[Request]:
        base: Context = {
            "aws:PrincipalArn": role.arn,
            "aws:PrincipalAccount": self.account,
            "aws:RequestedRegion": self.region,
        }
        found: list[Request] = []
        for name, resource, extra in self._resources(service, action, params):
            found.append(Request(name, resource, {**base, **extra}))
        kms: dict[tuple[str, str, str], Request] = {}
        for request in found:
            key = self.encrypted.get(_resource_root(request.resource))
            if key is None:
                continue
            via = f"{_via(request.action)}.{self.region}.amazonaws.com"
            for kms_action in _kms_actions(request.action):
                context = {**base, "kms:ViaService": via, "kms:CallerAccount": self.account}
                kms[(kms_action, key, via)] = Request(kms_action, key, context)
        return found + list(kms.values())

    def _resources(
        self, service: str, action: str, params: Any
    ) -> Iterable[tuple[str, str, Context]]:
        """What IAM is asked for this call: the operation's own rule, else its service's,
        else the action on every resource."""
        rule = _OPERATION_RESOURCES.get((service, action)) or _SERVICE_RESOURCES.get(service)
        if rule is None:
            yield f"{service}:{action}", "*", {}
        else:
            yield from rule(self, action, params)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


# ---- each call's resources, by service and operation --------------------------------

_Resources = Iterator[tuple[str, str, Context]]


def _transaction_items(auth: Authorizer, action: str, params: Any) -> _Resources:
    for item in params.get("TransactItems", []):
        ((kind, body),) = item.items()
        yield f"dynamodb:{_DYNAMODB_ITEM_ACTIONS[kind]}", _table(auth, body["TableName"]), {}


def _batch_tables(auth: Authorizer, action: str, params: Any) -> _Resources:
    for name in params.get("RequestItems", {}):
        yield f"dynamodb:{action}", _table(auth, name), {}


def _stream(auth: Authorizer, action: str, params: Any) -> _Resources:
    yield f"dynamodb:{action}", params["StreamArn"], {}


def _stream_records(auth: Authorizer, action: str, params: Any) -> _Resources:
    # The request names no stream: its shard iterator begins with the stream's ARN.
    yield "dynamodb:GetRecords", params["ShardIterator"].split("|", 1)[0], {}


def _table_or_index(auth: Authorizer, action: str, params: Any) -> _Resources:
    if "TableName" not in params:
        yield f"dynamodb:{action}", "*", {}
        return
    resource = _table(auth, params["TableName"])
    if params.get("IndexName"):
        resource += f"/index/{params['IndexName']}"
    yield f"dynamodb:{action}", resource, {}


def _table(auth: Authorizer, name: str) -> str:
    return auth.arn("dynamodb", f"table/{name}")


def _queue(auth: Authorizer, action: str, params: Any) -> _Resources:
    if "QueueUrl" in params:
        name = params["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
    else:
        name = params.get("QueueName", "*")
    resource = auth.arn("sqs", name) if name != "*" else "*"
    yield f"sqs:{_SQS_ACTIONS.get(action, action)}", resource, {}


def _topic(auth: Authorizer, action: str, params: Any) -> _Resources:
    resource = params.get("TopicArn", "*")
    yield f"sns:{'Publish' if action == 'PublishBatch' else action}", resource, {}


def _sender_identity(auth: Authorizer, action: str, params: Any) -> _Resources:
    sender, recipients, display = _ses_addresses(action, params)
    context: Context = {"ses:FromAddress": sender, "ses:Recipients": recipients}
    if display:
        context["ses:FromDisplayName"] = display
    yield f"ses:{action}", auth.arn("ses", f"identity/{sender}"), context
    if params.get("ConfigurationSetName"):
        # A send that names a configuration set is authorized on it too.
        name = params["ConfigurationSetName"]
        yield f"ses:{action}", auth.arn("ses", f"configuration-set/{name}"), context


def _event_buses(auth: Authorizer, action: str, params: Any) -> _Resources:
    for entry in params.get("Entries", []):
        bus = entry.get("EventBusName", "default")
        resource = bus if bus.startswith("arn:") else auth.arn("events", f"event-bus/{bus}")
        context: Context = {
            "events:source": entry.get("Source", ""),
            "events:detail-type": entry.get("DetailType", ""),
        }
        yield "events:PutEvents", resource, context


def _parameter(auth: Authorizer, action: str, params: Any) -> _Resources:
    if "Name" not in params:
        yield f"ssm:{action}", "*", {}
        return
    name = params["Name"]
    path = name if name.startswith("/") else "/" + name
    yield f"ssm:{action}", auth.arn("ssm", f"parameter{path}"), {}


def _secret(auth: Authorizer, action: str, params: Any) -> _Resources:
    if "SecretId" not in params:
        yield f"secretsmanager:{action}", "*", {}
        return
    secret = params["SecretId"]
    # SecretId is the secret's name or its ARN: IAM authorizes the ARN.
    yield f"secretsmanager:{action}", auth.secret_arns.get(secret, secret), {}


_ResourceRule = Callable[[Authorizer, str, Any], _Resources]
_OPERATION_RESOURCES: dict[tuple[str, str], _ResourceRule] = {
    ("dynamodb", "TransactWriteItems"): _transaction_items,
    ("dynamodb", "TransactGetItems"): _transaction_items,
    ("dynamodb", "BatchGetItem"): _batch_tables,
    ("dynamodb", "BatchWriteItem"): _batch_tables,
    ("dynamodb", "DescribeStream"): _stream,
    ("dynamodb", "GetShardIterator"): _stream,
    ("dynamodb", "GetRecords"): _stream_records,
    ("ses", "SendRawEmail"): _sender_identity,
    ("ses", "SendEmail"): _sender_identity,
    ("events", "PutEvents"): _event_buses,
}
_SERVICE_RESOURCES: dict[str, _ResourceRule] = {
    "dynamodb": _table_or_index,
    "sqs": _queue,
    "sns": _topic,
    "ssm": _parameter,
    "secretsmanager": _secret,
}


def _resource_root(resource: str) -> str:
    """The encrypted resource a resource belongs to: a table's index or stream is the
    table's data."""
    if ":dynamodb:" in resource:
        return "/".join(resource.split("/")[:2])
    return resource


def _via(action: str) -> str:
    return action.split(":", 1)[0]


def _kms_actions(action: str) -> tuple[str, ...]:
    """What the service asks KMS for on the caller's behalf (each service's guide:
    "Authorizing use of your KMS key")."""
    if action.startswith("dynamodb:"):
        return ("kms:Decrypt",)
    if action in ("sqs:SendMessage", "sns:Publish"):
        return ("kms:GenerateDataKey", "kms:Decrypt")
    if action in ("sqs:ReceiveMessage", "secretsmanager:GetSecretValue"):
        return ("kms:Decrypt",)
    return ()


def _ses_addresses(action: str, params: dict[str, Any]) -> tuple[str, list[str], str]:
    source = params.get("Source", "")
    recipients = list(params.get("Destinations", []))
    display = ""
    if action == "SendRawEmail":
        raw = params.get("RawMessage", {}).get("Data", b"")
        message = message_from_bytes(raw if isinstance(raw, bytes) else raw.encode())
        display, from_header = parseaddr(str(message.get("From", "")))
        source = source or from_header
        if not recipients:
            fields = [str(message.get(h, "")) for h in ("To", "Cc", "Bcc")]
            recipients = [address for _, address in getaddresses(fields) if address]
    else:
        destination = params.get("Destination", {})
        recipients = [
            *destination.get("ToAddresses", []),
            *destination.get("CcAddresses", []),
            *destination.get("BccAddresses", []),
        ]
    display_name, address = parseaddr(source)
    return address, recipients, display or display_name


# ---- on the wire --------------------------------------------------------------------


def _query_params(body: bytes) -> tuple[str, dict[str, Any]]:
    """A query-protocol body (SNS, SES) as the API parameters the checks read."""
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    action = form.pop("Action", "")
    params: dict[str, Any] = {k: v for k, v in form.items() if "." not in k}
    destinations = [v for k, v in sorted(form.items()) if k.startswith("Destinations.member.")]
    if destinations:
        params["Destinations"] = destinations
    if "RawMessage.Data" in form:
        params["RawMessage"] = {"Data": base64.b64decode(form["RawMessage.Data"])}
    return action, params


def middleware(app: Callable[..., Any], authorizer: Callable[[], Authorizer | None]) -> Any:
    """Wrap moto's WSGI app: a function's request is authorized before moto sees it."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        current = authorizer()
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if current is None or match is None or match.group(1) not in current.roles:
            return app(environ, start_response)
        access_key, _region, service = match.groups()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            action = target.rsplit(".", 1)[1]
            params = json.loads(body or b"{}")
        else:
            action, params = _query_params(body)
        denial = current.check(access_key, service, action, params)
        if denial is None:
            return app(environ, start_response)
        return _deny(start_response, service, bool(target), denial)

    return wsgi


def _deny(
    start_response: Callable[..., Any], service: str, json_protocol: bool, denial: Denial
) -> Any:
    code = _DENIED_CODE.get(service, "AccessDeniedException")
    request_id = str(uuid.uuid4())
    if json_protocol:
        body = json.dumps({"__type": code, "message": denial.message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-query-error", f"{code};Sender"),
        ]
        status = "400 Bad Request"
    else:
        text = denial.message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{text}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        status = "403 Forbidden"
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _ses_checks(app: Callable[..., Any], ses: Callable[[], LocalSes | None]) -> Any:
    """``LocalSes``'s checks of a send, once the stack has created SES's resources."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        current = ses()
        if current is None:
            return app(environ, start_response)
        return current.middleware(app)(environ, start_response)

    return wsgi


class AuthorizingMotoServer(ThreadedMotoServer):
    """moto's threaded server with IAM in front: set ``authorizer`` once the
    resources exist (the stack creates them as the operator)."""

    authorizer: Authorizer | None = None
    ses: LocalSes | None = None  # SES's configuration sets and feedback, once created

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        moto_app = DomainDispatcherApplication(create_backend_app)
        app = middleware(_ses_checks(moto_app, lambda: self.ses), lambda: self.authorizer)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()
