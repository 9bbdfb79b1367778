"""The local stack: template.yaml's resources on moto, its functions run in-process.

AWS invokes NextMove's functions from four kinds of trigger; here each is a pump that
does the same job with the same event shapes (``lambda_events``):

    HttpApi route       -> ``call()`` (``post()`` for JSON) builds the API Gateway v2
                           event for the route's function: the webhook, unsubscribe
    EventBridge rule    -> the rule (real, on moto's bus, same pattern) targets a local
                           queue; its pump invokes the function, retries it like Lambda's
                           async invoke does and parks the event in the OnFailure queue
    DynamoDB stream     -> its pump reads moto's stream, applies the FilterCriteria and
                           invokes the publisher with batches, honouring batch failures
    SQS queue           -> its pump receives, invokes, deletes what succeeded; failures
                           come back after their visibility and moto redrives to the DLQ

and SES's sent messages are copied to an outbox folder as .eml and .html.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from nextmove_local import iam, template
from nextmove_local.account import ACCOUNT, REGION
from nextmove_local.authorize import Authorizer, AuthorizingMotoServer
from nextmove_local.lambda_events import http_api_event, matches, signed_headers, sqs_record
from nextmove_local.lambda_runtime import (
    Function,
    LambdaContext,
    install_environ,
    lambda_environment,
)
from nextmove_local.outbox import write_index
from nextmove_local.ses_simulator import LocalSes
from nextmove_local.template import ROOT, Resolver

__all__ = ["Function", "LambdaContext", "LocalStack"]

ENV = "local"
TENANT = "demo-partner"
RULE_PAGES = 3  # pages of ten read from each rule's queue per pass (``_backlog``)
# After the last replayed event (or an admin operation), the schedules run from the
# longest an email can be held (7 days) on, every FLUSH_STEP for up to a day until
# nothing is held: a digest run then falls outside each person's quiet hours, whatever
# their time zone, and the outbox shows every email. (A single run lands in quiet hours
# whenever the start did, and the digest then only moves the email to the next morning.)
HELD_AT_MOST = timedelta(days=7)
FLUSH_STEP = timedelta(hours=2)
# How long a stream's shard list is trusted before DescribeStream is asked again.
SHARD_REFRESH_SECONDS = 60.0

_Resources = list[tuple[str, dict[str, Any]]]  # a kind's (logical id, properties)


def _fake_aws_environment(endpoint: str) -> None:
    """Point every boto3 client at moto, with fake credentials and a fixed region, so
    nothing here can reach a real account whatever the developer's shell holds."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # Outside Lambda the X-Ray SDK would build a sampler with boto3 clients.
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_DEV": "0",
        }
    )
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)


@dataclass(frozen=True)
class Answer:
    """An HTTP API answer: status, headers, body text."""

    status: int
    headers: dict[str, str]
    body: str


def _route(
    routes: dict[tuple[str, str], Function], method: str, path: str
) -> tuple[Function, str, dict[str, str]] | None:
    """The function, route path and path parameters of the route ``method path`` fits."""
    segments = path.split("/")
    for (routed, template_path), fn in routes.items():
        pattern = template_path.split("/")
        if routed != method or len(pattern) != len(segments):
            continue
        parameters: dict[str, str] = {}
        for want, got in zip(pattern, segments, strict=True):
            if want.startswith("{") and want.endswith("}"):
                if not got:
                    break
                parameters[want[1:-1]] = urllib.parse.unquote(got)
            elif want != got:
                break
        else:
            return fn, template_path, parameters
    return None


@dataclass(frozen=True)
class Notice:
    """A notice on the recommendations topic, as a partner's subscription receives it."""

    attributes: dict[str, str]
    body: dict[str, Any]


@dataclass
class Sent:
    """An email SES accepted, as written to the outbox."""

    eml: Path
    html: Path
    to: str
    subject: str


class LocalStack:
    """Start with ``LocalStack.start()``; ``post()`` events; ``drain()`` until quiet."""

    def __init__(
        self, outbox: Path, endpoint: str, server: Any, tenants: tuple[str, ...] = (TENANT,)
    ) -> None:
        self.outbox = outbox
        self.endpoint = endpoint
        self._server = server
        # One signing secret per partner; the first partner is the one commands sign as.
        self.secrets = {
            t: "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode() for t in tenants
        }
        self.tenant = tenants[0]
        self.secret = self.secrets[self.tenant]
        self.functions: dict[str, Function] = {}
        self.resolve = Resolver()
        self._rule_queues: list[tuple[str, Function, dict[str, Any]]] = []
        self._queue_triggers: list[tuple[str, Function, dict[str, Any]]] = []
        self._stream_triggers: list[tuple[str, Function, dict[str, Any]]] = []
        self._schedules: list[tuple[Function, dict[str, Any]]] = []
        self._shard_iterators: dict[str, str | None] = {}
        self._shards: dict[str, tuple[float, list[str]]] = {}  # stream -> (described, ids)
        self._queue_arns: dict[str, str] = {}
        self._queue_urls: dict[str, str] = {}
        self._routes: dict[tuple[str, str], Function] = {}
        self._mail_seen = 0
        self.ses = LocalSes(ACCOUNT, REGION, lambda: datetime.now(UTC))  # until _create
        self.sent: list[Sent] = []
        self.published: list[dict[str, Any]] = []
        self.notices: list[Notice] = []
        self._tap_url = ""
        self._lock = threading.RLock()

    # ---- lifecycle -------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        outbox: Path | None = None,
        *,
        port: int = 0,
        tenants: tuple[str, ...] = (TENANT,),
        template_document: dict[str, Any] | None = None,
    ) -> LocalStack:
        """A fresh stack from ``template.yaml`` (or ``template_document``, a parsed copy
        of it, e.g. with a grant taken out)."""
        from nextmove_local import moto_speed

        moto_speed.install()  # transactions in time of their own size, not the table's
        install_environ()  # each function sees its own environment while it runs
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = AuthorizingMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        host, bound = server.get_host_and_port()
        endpoint = f"http://{host}:{bound}"
        # moto's state is per process, not per server: start every stack from nothing.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        _fake_aws_environment(endpoint)
        stack = cls(outbox or ROOT / "build" / "outbox", endpoint, server, tenants)
        stack._create(template.load() if template_document is None else template_document)
        server.authorizer = stack.authorizer  # from now on, functions' calls are authorized
        return stack

    def stop(self) -> None:
        self._server.stop()

    def client(self, service: str) -> Any:
        """The operator's client (the stack's own credentials: not a function's)."""
        from nextmove.adapters.aws import client

        return client(service)

    def configure(self, name: str, value: str, *functions: str) -> None:
        """Set a variable in the environment of ``functions`` (every function when none
        is named), as an operator editing their configuration would."""
        for logical in functions or tuple(self.functions):
            self.functions[logical].environment[name] = value

    # ---- creating the template's resources ------------------------------------------

    def _create(self, tpl: dict[str, Any]) -> None:
        self._forget_earlier_stack()
        self.outbox.mkdir(parents=True, exist_ok=True)
        self._resolve_parameters(tpl)
        by_type = self._resources_by_type(tpl)
        self._create_keys(by_type.get("AWS::KMS::Key", []))
        self._name_managed_policies(by_type.get("AWS::IAM::ManagedPolicy", []))
        # The HTTP API is this process (``call``, and ``serve``'s server): its id only
        # names it, e.g. in the emails' default unsubscribe URL.
        for logical, _props in by_type.get("AWS::Serverless::HttpApi", []):
            self.resolve.refs[logical] = "local"
        self._create_tables(by_type.get("AWS::DynamoDB::Table", []))
        self._create_secrets(by_type.get("AWS::SecretsManager::Secret", []))
        self._create_buses(by_type.get("AWS::Events::EventBus", []))
        self._create_parameters(by_type.get("AWS::SSM::Parameter", []))
        self._create_topics(by_type.get("AWS::SNS::Topic", []))
        self._create_queues(by_type.get("AWS::SQS::Queue", []))
        self._create_subscriptions(by_type.get("AWS::SNS::Subscription", []))
        self._tap_url = self._tap(self.resolve.refs)
        self.client("ses").verify_email_identity(EmailAddress=self.resolve.refs["SenderEmail"])
        self._create_email_feedback(
            by_type.get("AWS::SES::ConfigurationSet", []),
            by_type.get("AWS::SES::ConfigurationSetEventDestination", []),
        )
        self._create_functions(
            by_type.get("AWS::Serverless::Function", []), tpl.get("Globals", {}).get("Function", {})
        )
        self.authorizer = self._authorizer(tpl, by_type)

    def _forget_earlier_stack(self) -> None:
        from nextmove.adapters import aws, settings
        from nextmove.adapters import secrets as secret_cache

        aws.forget_clients()  # clients made for an earlier stack point elsewhere
        self.travel_to(None)  # an earlier stack's simulated calendar is not this one's
        secret_cache.forget()
        settings.forget()
        _forget_loggers()

    def _resolve_parameters(self, tpl: dict[str, Any]) -> None:
        """AWS's pseudo parameters for the local account, and the template's parameters
        at their defaults (but ``Env``, which is local)."""
        r = self.resolve
        r.refs.update(
            {
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::StackName": "nextmove-local",
            }
        )
        for name, spec in tpl.get("Parameters", {}).items():
            r.refs[name] = ENV if name == "Env" else str(spec.get("Default", ""))

    def _resources_by_type(self, tpl: dict[str, Any]) -> dict[str, _Resources]:
        """The template's resources whose condition holds, by type, in template order."""
        by_type: dict[str, _Resources] = {}
        for logical, resource in tpl["Resources"].items():
            condition = resource.get("Condition")
            if condition and not template.holds(condition, tpl.get("Conditions", {}), self.resolve):
                continue  # e.g. the ops email subscription when AlarmEmail is empty
            by_type.setdefault(resource["Type"], []).append(
                (logical, resource.get("Properties", {}))
            )
        return by_type

    def _create_keys(self, keys: _Resources) -> None:
        r = self.resolve
        for logical, props in keys:
            key = self.client("kms").create_key(Description=str(r(props.get("Description", ""))))
            r.refs[logical] = key["KeyMetadata"]["KeyId"]
            r.attrs[(logical, "Arn")] = key["KeyMetadata"]["Arn"]

    def _name_managed_policies(self, policies: _Resources) -> None:
        # Not created on moto: ``iam.roles`` reads a role's managed policies from the
        # template; a Ref to one is its ARN.
        for logical, _props in policies:
            self.resolve.refs[logical] = f"arn:aws:iam::{ACCOUNT}:policy/{logical}"

    def _create_tables(self, tables: _Resources) -> None:
        for logical, props in tables:
            name = self.resolve(props["TableName"])
            stream = props.get("StreamSpecification")
            described = self.client("dynamodb").create_table(
                TableName=name,
                AttributeDefinitions=props["AttributeDefinitions"],
                KeySchema=props["KeySchema"],
                BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
                **(
                    {"GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"]}
                    if "GlobalSecondaryIndexes" in props
                    else {}
                ),
                **(
                    {
                        "StreamSpecification": {
                            "StreamEnabled": True,
                            "StreamViewType": stream["StreamViewType"],
                        }
                    }
                    if stream
                    else {}
                ),
            )["TableDescription"]
            self.resolve.refs[logical] = name
            self.resolve.attrs[(logical, "Arn")] = described["TableArn"]
            if stream:
                self.resolve.attrs[(logical, "StreamArn")] = described["LatestStreamArn"]
            ttl = props.get("TimeToLiveSpecification")
            if ttl:
                self.client("dynamodb").update_time_to_live(
                    TableName=name, TimeToLiveSpecification=ttl
                )

    def _create_secrets(self, secrets_: _Resources) -> None:
        # The local partners' secrets are made per stack, as an operator would add them; a
        # secret the template has generated (the unsubscribe key) is random, as on AWS.
        value = json.dumps({tenant: [secret] for tenant, secret in self.secrets.items()})
        for logical, props in secrets_:
            generated = props.get("GenerateSecretString")
            arn = self.client("secretsmanager").create_secret(
                Name=self.resolve(props["Name"]),
                SecretString=(
                    secrets.token_urlsafe(int(generated.get("PasswordLength", 32)))
                    if generated
                    else value
                ),
            )["ARN"]
            self.resolve.refs[logical] = arn

    def _create_buses(self, buses: _Resources) -> None:
        r = self.resolve
        for logical, props in buses:
            name = r(props["Name"])
            arn = self.client("events").create_event_bus(Name=name)["EventBusArn"]
            r.refs[logical] = name
            r.attrs[(logical, "Name")] = name
            r.attrs[(logical, "Arn")] = arn

    def _create_parameters(self, parameters: _Resources) -> None:
        r = self.resolve
        for logical, props in parameters:
            name = r(props["Name"])
            self.client("ssm").put_parameter(
                Name=name, Value=r(props["Value"]), Type=props.get("Type", "String")
            )
            r.refs[logical] = name

    def _create_topics(self, topics: _Resources) -> None:
        r = self.resolve
        for logical, props in topics:
            arn = self.client("sns").create_topic(Name=r(props["TopicName"]))["TopicArn"]
            r.refs[logical] = arn

    def _create_queues(self, queues: _Resources) -> None:
        r = self.resolve
        for logical, props in queues:  # every queue first: redrive policies name each other
            url = self.client("sqs").create_queue(QueueName=r(props["QueueName"]))["QueueUrl"]
            r.refs[logical] = url
            r.attrs[(logical, "Arn")] = self._queue_arn(url)
        for logical, props in queues:
            self._set_queue_attributes(r.refs[logical], props)

    def _create_subscriptions(self, subscriptions: _Resources) -> None:
        for _logical, props in subscriptions:
            attributes = {"RawMessageDelivery": str(props.get("RawMessageDelivery", False)).lower()}
            if "FilterPolicy" in props:
                attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
                attributes["FilterPolicyScope"] = props.get(
                    "FilterPolicyScope", "MessageAttributes"
                )
            self.client("sns").subscribe(
                TopicArn=self.resolve(props["TopicArn"]),
                Protocol=props["Protocol"],
                Endpoint=self.resolve(props["Endpoint"]),
                Attributes=attributes,
                ReturnSubscriptionArn=True,
            )

    def _create_email_feedback(self, sets: _Resources, destinations: _Resources) -> None:
        """SES's configuration sets and their event destinations, on moto (which keeps
        them) and on the local SES (which acts on them: ``ses_simulator``)."""
        from nextmove.adapters import clock

        r = self.resolve
        local = LocalSes(ACCOUNT, REGION, clock.now)
        for logical, props in sets:
            name = str(r(props["Name"]))
            self.client("ses").create_configuration_set(ConfigurationSet={"Name": name})
            enabled = props.get("SendingOptions", {}).get("SendingEnabled", True)
            local.configuration_set(name, sending_enabled=bool(enabled))
            r.refs[logical] = name
        for _logical, props in destinations:
            destination = r(props["EventDestination"])
            bridge = destination.get("EventBridgeDestination")
            if bridge is None:
                raise ValueError("only EventBridge event destinations are emulated locally")
            local.destination(
                str(r(props["ConfigurationSetName"])),
                destination["MatchingEventTypes"],
                str(bridge["EventBusArn"]),
            )
        self.ses = local
        self._server.ses = local  # from now on, sends are checked and journaled

    def _create_functions(self, functions: _Resources, globals_fn: dict[str, Any]) -> None:
        r = self.resolve
        for logical, props in functions:  # functions' names first: their env may name each other
            r.refs[logical] = r(props.get("FunctionName", logical))
        for logical, props in functions:
            self._create_function(logical, props, globals_fn)

    def _create_function(
        self, logical: str, props: dict[str, Any], globals_fn: dict[str, Any]
    ) -> None:
        r = self.resolve
        env = {
            **globals_fn.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        # The operator (tests, redrive, the stack's own checks) knows every name the
        # template sets; the functions see only their own (``fn.environment``).
        os.environ.process.update({k: str(r(v)) for k, v in env.items()})  # type: ignore[attr-defined]
        fn = Function(logical, ROOT / props["CodeUri"], props["Handler"], props)
        fn.environment = lambda_environment(
            name=r.refs[logical],
            variables={k: str(r(v)) for k, v in env.items()},
            credentials=fn.credentials,
            region=REGION,
            endpoint=self.endpoint,
            memory=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
        )
        self.functions[logical] = fn
        for trigger in props.get("Events", {}).values():
            self._wire(fn, trigger["Type"], trigger["Properties"])

    def _authorizer(self, tpl: dict[str, Any], by_type: dict[str, _Resources]) -> Authorizer:
        """IAM as the template sets it: each function's role, and what is encrypted
        with which key (the key policy decides with the role)."""
        r = self.resolve
        authorizer = Authorizer(REGION, ACCOUNT)
        for logical, role in iam.roles(tpl, r, ACCOUNT).items():
            authorizer.grant(self.functions[logical].credentials, role)
        for logical, props in by_type.get("AWS::KMS::Key", []):
            authorizer.key_policies[r.attrs[(logical, "Arn")]] = list(
                r(props["KeyPolicy"])["Statement"]
            )
        key_arns = {r.refs[k]: r.attrs[(k, "Arn")] for k, _ in by_type.get("AWS::KMS::Key", [])}
        key_arns |= {arn: arn for arn in key_arns.values()}

        def key_of(reference: Any) -> str | None:
            return key_arns.get(str(r(reference))) if reference is not None else None

        for logical, props in by_type.get("AWS::DynamoDB::Table", []):
            if key := key_of(props.get("SSESpecification", {}).get("KMSMasterKeyId")):
                authorizer.encrypted[r.attrs[(logical, "Arn")]] = key
        for logical, props in by_type.get("AWS::SQS::Queue", []):
            if key := key_of(props.get("KmsMasterKeyId")):
                authorizer.encrypted[r.attrs[(logical, "Arn")]] = key
        for logical, props in by_type.get("AWS::SNS::Topic", []):
            if key := key_of(props.get("KmsMasterKeyId")):
                authorizer.encrypted[r.refs[logical]] = key
        for logical, props in by_type.get("AWS::SecretsManager::Secret", []):
            authorizer.secret_arns[str(r(props["Name"]))] = r.refs[logical]
            if key := key_of(props.get("KmsKeyId")):
                authorizer.encrypted[r.refs[logical]] = key
        return authorizer

    def _queue_arn(self, url: str) -> str:
        # A queue's ARN never changes: asked once, not on every pump pass.
        if url not in self._queue_arns:
            self._queue_arns[url] = self.client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
        return self._queue_arns[url]

    def _set_queue_attributes(self, url: str, props: dict[str, Any]) -> None:
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(self.resolve(props["RedrivePolicy"]))
        if attributes:
            self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes=attributes)

    def _tap(self, refs: dict[str, str]) -> str:
        """A queue on the topic with no filter: what a partner subscribing would see."""
        created = self.client("sqs").create_queue(QueueName="local-recommendations-tap")
        url: str = created["QueueUrl"]
        self.client("sns").subscribe(
            TopicArn=refs["RecommendationsTopic"],
            Protocol="sqs",
            Endpoint=self._queue_arn(url),
            Attributes={"RawMessageDelivery": "true"},
        )
        return url

    def _wire(self, fn: Function, kind: str, props: dict[str, Any]) -> None:
        r = self.resolve
        if kind == "HttpApi":
            self._routes[(props["Method"].upper(), props["Path"])] = fn
        elif kind == "EventBridgeRule":
            bus = r(props.get("EventBusName", "default"))
            rule = f"local-{fn.logical_id}"
            self.client("events").put_rule(
                Name=rule, EventBusName=bus, EventPattern=json.dumps(r(props["Pattern"]))
            )
            url = self.client("sqs").create_queue(QueueName=f"local-rule-{fn.logical_id}")[
                "QueueUrl"
            ]
            self.client("events").put_targets(
                Rule=rule,
                EventBusName=bus,
                Targets=[{"Id": "function", "Arn": self._queue_arn(url)}],
            )
            self._rule_queues.append((url, fn, props))
        elif kind == "DynamoDB":
            stream_arn = r(props["Stream"])
            self._stream_triggers.append((stream_arn, fn, props))
        elif kind == "SQS":
            self._queue_triggers.append((self._url_of_arn(r(props["Queue"])), fn, props))
        elif kind == "Schedule":
            # Time is the developer's to move here: ``run_schedules(now)`` fires them.
            self._schedules.append((fn, props))
        else:
            raise ValueError(f"{fn.logical_id}: trigger type {kind} is not emulated locally")

    def _url_of_arn(self, arn: str) -> str:
        if arn not in self._queue_urls:
            name = arn.rsplit(":", 1)[1]
            self._queue_urls[arn] = self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        return self._queue_urls[arn]

    # ---- the webhook ------------------------------------------------------------------

    def post(
        self, body: bytes, headers: dict[str, str], path: str = "/events"
    ) -> tuple[int, dict[str, Any]]:
        """What API Gateway does for ``POST path`` (a JSON answer, as the webhook's)."""
        answer = self.call("POST", path, headers, body)
        return answer.status, json.loads(answer.body)

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Answer:
        """What the HTTP API does for ``method path``: the route whose path fits (a
        ``{name}`` segment matches one segment, handed over as a path parameter), its
        function invoked with the v2 event, the answer as API Gateway returns it; 404
        when no route fits."""
        route = _route(self._routes, method.upper(), urllib.parse.urlsplit(path).path)
        if route is None:
            return Answer(404, {"content-type": "application/json"}, '{"message":"Not Found"}')
        fn, template_path, parameters = route
        event = http_api_event(
            method.upper(), path, headers or {}, body, route=template_path, parameters=parameters
        )
        try:
            response = fn.invoke(event)
        except Exception:  # the function raised: API Gateway answers 500, saying no more
            return Answer(
                500, {"content-type": "application/json"}, '{"message":"Internal Server Error"}'
            )
        text = response.get("body", "")
        if response.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        return Answer(response["statusCode"], dict(response.get("headers", {})), text)

    def signed_headers(self, body: bytes, **overrides: Any) -> dict[str, str]:
        """Headers for ``body`` signed as the local partner, or as ``tenant=`` with its own
        secret (``overrides`` to forge)."""
        tenant = overrides.get("tenant", self.tenant)
        secret = self.secrets.get(tenant, self.secret)
        return signed_headers(body, **{"secret": secret, "tenant": tenant, **overrides})

    def replay(self, bodies: list[bytes]) -> list[tuple[int, dict[str, Any]]]:
        """Post each body signed, at its own time, and drain: a simulated calendar in which
        the functions' clock moves to each event's ``occurred_at`` and held emails due by
        then go out first, as the 15-minute schedule would; at the end ``flush`` from the
        last event, so nothing is left held. The webhook's answers, in order."""
        answers = []
        last: datetime | None = None
        for body in bodies:
            occurred = occurred_at(body)
            if occurred is not None:
                last = max(last or occurred, occurred)
                self.run_schedules(occurred)
            answers.append(self.post(body, self.signed_headers(body)))
            self.drain()
        if last is not None:
            self.flush(last)
        return answers

    # ---- the pumps ----------------------------------------------------------------------

    def drain(self, *, max_passes: int = 1000) -> bool:
        """Run every trigger until a whole pass finds no work; True if any pass found some."""
        with self._lock:
            for passes in range(max_passes):
                worked = False
                for pump in (
                    self._pump_rules,
                    self._pump_streams,
                    self._pump_queues,
                    self._pump_mail,
                    self._pump_ses_feedback,
                ):
                    worked = pump() or worked
                # Every pass, not only once quiet: moto's ReceiveMessage costs in proportion
                # to all a queue holds, and a tap left to fill through a backlog made
                # reading it back quadratic (1.4 s of CPU for 160 messages in the bench).
                self._collect_published()
                if not worked:
                    return passes > 0
            raise RuntimeError("the local stack did not settle")

    def _pump_rules(self) -> bool:
        """EventBridge invokes each rule's function as its events arrive. The rules' queues
        are read together and their events delivered in the order they arrived, across
        rules: read rule by rule, a backlog had a person's events for the rules first in
        the template handled before their earlier ones, so what a person was emailed
        depended on the size of the backlog (the same 200 events: 120 to 153 emails)."""
        received = [
            (url, fn, message)
            for url, fn, _props in self._rule_queues
            for message in self._backlog(url)
        ]
        received.sort(key=lambda found: int(found[2]["Attributes"]["SentTimestamp"]))
        delivered: dict[str, list[dict[str, Any]]] = {url: [] for url, _, _ in self._rule_queues}
        try:
            for url, fn, message in received:
                event = json.loads(message["Body"])
                event.setdefault("account", ACCOUNT)  # moto's delivered event lacks it
                self._invoke_async(fn, event)
                delivered[url].append(message)
        finally:  # what was delivered is gone from the queue, even if a later one raised
            for url, messages in delivered.items():
                self._delete(url, messages)
        return bool(received)

    def _backlog(self, url: str) -> list[dict[str, Any]]:
        """Up to ``RULE_PAGES`` pages of ten from a rule's queue, until a short page: enough
        to order a backlog by arrival, few enough that a pass ends well inside the queues'
        30 s visibility timeout (a message seen again would be invoked twice)."""
        found: list[dict[str, Any]] = []
        for _ in range(RULE_PAGES):
            page = self._receive(url, 10)
            found.extend(page)
            if len(page) < 10:
                break
        return found

    def _invoke_async(self, fn: Function, event: dict[str, Any]) -> None:
        """Lambda's async invoke: the first try plus MaximumRetryAttempts, then OnFailure."""
        config = fn.properties.get("EventInvokeConfig", {})
        attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
        error: Exception | None = None
        for _ in range(attempts):
            try:
                fn.invoke(event)
                return
            except Exception as caught:
                error = caught
        destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is None:
            raise RuntimeError(
                f"{fn.logical_id} failed and has no OnFailure destination"
            ) from error
        record = {
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{LambdaContext(fn.name).invoked_function_arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
        }
        # Lambda sends the record with the function's role (SAM grants sqs:SendMessage).
        url = self._url_of_arn(self.resolve(destination))
        fn.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(record))

    def _pump_streams(self) -> bool:
        """Lambda's stream poller, which reads with the function's role."""
        worked = False
        for stream_arn, fn, props in self._stream_triggers:
            streams = fn.client("dynamodbstreams")
            patterns = [
                json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])
            ]
            for shard_id in self._shard_ids(streams, stream_arn):
                iterator = self._shard_iterators.get(shard_id)
                if iterator is None:
                    iterator = streams.get_shard_iterator(
                        StreamArn=stream_arn,
                        ShardId=shard_id,
                        ShardIteratorType=props["StartingPosition"],
                    )["ShardIterator"]
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                self._shard_iterators[shard_id] = page.get("NextShardIterator")
                if page.get("NextShardIterator") is None:
                    self._shards.pop(stream_arn, None)  # a closed shard: look for its children
                records = [
                    r
                    for r in page["Records"]
                    if not patterns or any(matches(p, r) for p in patterns)
                ]
                size = int(props.get("BatchSize", 100))
                for start in range(0, len(records), size):
                    worked = True
                    self._invoke_stream_batch(
                        fn, props, records[start : start + size], stream_arn, shard_id
                    )
        return worked

    def _shard_ids(self, streams: Any, stream_arn: str) -> list[str]:
        """The stream's shards, described again once a minute or when one closes, as
        Lambda's poller rediscovers them, rather than on every pass."""
        described, ids = self._shards.get(stream_arn, (0.0, []))
        if time.monotonic() - described > SHARD_REFRESH_SECONDS:
            shards = streams.describe_stream(StreamArn=stream_arn)
            ids = [shard["ShardId"] for shard in shards["StreamDescription"]["Shards"]]
            self._shards[stream_arn] = (time.monotonic(), ids)
        return ids

    def _invoke_stream_batch(
        self,
        fn: Function,
        props: dict[str, Any],
        batch: list[dict[str, Any]],
        arn: str,
        shard_id: str,
    ) -> None:
        """Retry from the first reported failure, as Lambda does, then park the batch."""
        for record in batch:
            record.setdefault("eventSourceARN", arn)
        for _ in range(1 + int(props.get("MaximumRetryAttempts", 3))):
            try:
                result = fn.invoke({"Records": batch}) or {}
            except Exception:
                continue
            failures = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            if not failures:
                return
            first = next(
                i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures
            )
            batch = batch[first:]
        destination = props["DestinationConfig"]["OnFailure"]["Destination"]
        info = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": fn.logical_id},
            "DDBStreamBatchInfo": {
                "streamArn": arn,
                "shardId": shard_id,
                "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(batch),
            },
        }
        url = self._url_of_arn(self.resolve(destination))
        fn.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(info))

    def _pump_queues(self) -> bool:
        """Lambda's SQS poller, which receives and deletes with the function's role."""
        worked = False
        for url, fn, props in self._queue_triggers:
            sqs = fn.client("sqs")
            messages = self._receive(url, int(props.get("BatchSize", 10)), sqs=sqs)
            if not messages:
                continue
            worked = True
            arn = self._queue_arn(url)
            event = {"Records": [sqs_record(m, arn) for m in messages]}
            try:
                result = fn.invoke(event) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception:
                failed = {m["MessageId"] for m in messages}
            # Failures back on the queue at once (moto redrives them after maxReceiveCount):
            # on AWS their visibility timeout runs out, which the poller does not ask for,
            # so this is the operator's call, not the function's. The rest are deleted, in
            # batches, as Lambda's SQS poller deletes them with the function's role.
            retry = [m for m in messages if m["MessageId"] in failed]
            if retry:
                answer = self.client("sqs").change_message_visibility_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                        for i, m in enumerate(retry)
                    ],
                )
                _check_batch(answer, "ChangeMessageVisibilityBatch", url)
            self._delete(url, [m for m in messages if m["MessageId"] not in failed], sqs=sqs)
        return worked

    def _pump_mail(self) -> bool:
        """Copy what SES accepted to the outbox folder, as .eml and as .html."""
        from moto.ses.models import ses_backends

        messages = ses_backends[ACCOUNT][REGION].sent_messages
        new = messages[self._mail_seen :]
        self._mail_seen = len(messages)
        for raw in new:
            data = raw.raw_data.encode() if isinstance(raw.raw_data, str) else raw.raw_data
            parsed = message_from_bytes(data, policy=policy.default)
            stem = f"{len(self.sent) + 1:03d}-{_slug(str(parsed['Subject']))}"
            eml = self.outbox / f"{stem}.eml"
            eml.write_bytes(data)
            html_part = parsed.get_body(preferencelist=("html",))
            html = self.outbox / f"{stem}.html"
            html.write_text(html_part.get_content() if html_part else "")
            self.sent.append(
                Sent(eml=eml, html=html, to=str(parsed["To"]), subject=str(parsed["Subject"]))
            )
        if new:
            write_index(self.outbox)
        return bool(new)

    def _pump_ses_feedback(self) -> bool:
        """SES publishing each accepted email's events to its configuration set's event
        destination (the default bus: the rule there feeds the suppression function)."""
        entries = [entry for send in self.ses.take_sends() for entry in self.ses.feedback(send)]
        for start in range(0, len(entries), 10):
            chunk = entries[start : start + 10]
            answer = self.client("events").put_events(
                Entries=[
                    {**entry, "Detail": json.dumps(entry["Detail"]), "EventBusName": bus}
                    for bus, entry in chunk
                ]
            )
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"PutEvents of SES's feedback: {answer['Entries']}")
        return bool(entries)

    def _collect_published(self) -> None:
        """What a partner subscribed to the topic got: recommendations in ``published``,
        notices (a ``message_type`` attribute, such as ``email.unsubscribed``) in
        ``notices`` with their attributes."""
        messages = self._receive(self._tap_url, 10, drain=True)
        for message in messages:
            attributes = {
                name: value["StringValue"]
                for name, value in message.get("MessageAttributes", {}).items()
            }
            if "message_type" in attributes:
                self.notices.append(Notice(attributes, json.loads(message["Body"])))
            else:
                self.published.append(json.loads(message["Body"]))
        self._delete(self._tap_url, messages)

    def _delete(self, url: str, messages: list[dict[str, Any]], *, sqs: Any = None) -> None:
        """DeleteMessageBatch, ten at a time: one call per batch, not one per message."""
        sqs = sqs or self.client("sqs")
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            answer = sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
            _check_batch(answer, "DeleteMessageBatch", url)

    def _receive(
        self, url: str, count: int, *, drain: bool = False, sqs: Any = None
    ) -> list[dict[str, Any]]:
        sqs = sqs or self.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            page = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(count, 10),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            found.extend(page)
            if not (drain and page):
                return found

    # ---- the calendar -------------------------------------------------------------------

    def travel_to(self, at: datetime | None) -> None:
        """Set the functions' clock (``nextmove.adapters.clock``) to ``at``; None: real
        time. The webhook's signature check keeps the real clock."""
        from nextmove.adapters import clock

        clock.travel_to(at)

    def run_schedules(self, now: datetime) -> None:
        """Fire every scheduled rule once, as EventBridge would at ``now`` (the clock
        moves there too; a failing run is retried and parked like any async invoke),
        then drain."""
        self.travel_to(now)
        with self._lock:
            for fn, props in self._schedules:
                event = {
                    "version": "0",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": ACCOUNT,
                    "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "region": REGION,
                    "resources": [
                        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{self.resolve(props['Name'])}"
                    ],
                    "detail": {},
                }
                self._invoke_async(fn, event)
            self.drain()

    def flush(self, since: datetime) -> None:
        """Run the schedules through the day after anything held since ``since`` is due,
        every ``FLUSH_STEP``, until no email is held (the digest's own query, asked about
        any time at all, finds nobody)."""
        from nextmove.adapters import mailbox

        start = since + HELD_AT_MOST
        for step in range(int(timedelta(days=1) / FLUSH_STEP) + 1):
            self.run_schedules(start + step * FLUSH_STEP)
            if not mailbox.due_people(datetime.max.replace(tzinfo=UTC)):
                return

    # ---- what an operator would look at -----------------------------------------------

    def queue_depths(self) -> dict[str, int]:
        """Messages waiting in each of the template's queues, by logical id."""
        depths = {}
        for logical, url in self.resolve.refs.items():
            if (
                isinstance(url, str)
                and url.startswith("http")
                and "/" in url
                and (logical, "Arn") in self.resolve.attrs
            ):
                attributes = self.client("sqs").get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                depths[logical] = int(attributes["ApproximateNumberOfMessages"])
        return depths


def _check_batch(answer: dict[str, Any], operation: str, url: str) -> None:
    """A batch call answers 200 with its refused entries listed: raise for those, as the
    single calls it replaces would have."""
    if answer.get("Failed"):
        raise RuntimeError(f"{operation} on {url}: {answer['Failed']}")


def occurred_at(body: bytes) -> datetime | None:
    """The event's ``occurred_at``, or None for a body that is not a valid event (the
    webhook answers for those)."""
    try:
        return datetime.fromisoformat(json.loads(body)["occurred_at"])
    except (ValueError, KeyError, TypeError):
        return None


def _forget_loggers() -> None:
    """Every stack's functions cold-start. Powertools configures a service's logger once
    per process (level, and a handler bound to the stdout of that moment), so a logger
    left by an earlier stack in this process is reset, as a new Lambda container would be."""
    for name in [n for n in logging.Logger.manager.loggerDict if n.startswith("nextmove")]:
        log = logging.getLogger(name)
        for handler in list(log.handlers):
            log.removeHandler(handler)
        # Powertools' marks of a configured logger: "init" and its "powertools_*" attributes.
        for mark in [a for a in vars(log) if a == "init" or a.startswith("powertools_")]:
            delattr(log, mark)


def _slug(text: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in keep.split("-") if part)[:60] or "email"
