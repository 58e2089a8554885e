"""The `ro2c` commands that talk to the authorization server, one function each; they return the exit status.

They use only the public API of requests_oauth2client.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import requests

from requests_oauth2client import (
    BearerToken,
    DeviceAuthorizationPollingJob,
    DPoPKey,
    MissingRefreshToken,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    oidc_discovery_document_url,
)

from .inputs import PLACEHOLDER_CLIENT_ID, Inputs, UsageError, save_token
from .output import Output, StatusLine


def _request_params(inputs: Inputs) -> dict[str, Any]:
    """The extra request parameters: --param, --resource (repeated: a list), --audience."""
    args = inputs.args
    params: dict[str, Any] = dict(args.param)
    resources = getattr(args, "resource", None)
    if resources:
        params["resource"] = resources[0] if len(resources) == 1 else resources
    if getattr(args, "audience", None):
        params["audience"] = args.audience
    return params


def _dpop_key(inputs: Inputs) -> DPoPKey | None:
    return DPoPKey.generate(alg=inputs.args.dpop_alg) if getattr(inputs.args, "dpop", False) else None


def _emit_token(inputs: Inputs, out: Output, token: BearerToken) -> int:
    """Save the token if asked, then print it (or only its access token)."""
    args = inputs.args
    if args.save_token:
        save_token(args.save_token, token)
        out.status(f"Token saved to {args.save_token}")
    if args.print_access_token:
        out.line(token.access_token)
    else:
        out.token(token)
    return 0


def client_credentials(inputs: Inputs, out: Output) -> int:
    """`ro2c client_credentials`."""
    client = inputs.client()
    token = client.client_credentials(scope=inputs.args.scope, dpop_key=_dpop_key(inputs), **_request_params(inputs))
    return _emit_token(inputs, out, token)


def login(inputs: Inputs, out: Output) -> int:
    """`ro2c login`: the loopback login of the library, with the system browser or the URL on stderr."""
    args = inputs.args
    client = inputs.client()
    request_params = _request_params(inputs)
    if args.dpop:
        request_params.update(dpop=True, dpop_alg=args.dpop_alg)
    out.status(f"Waiting for the login in the browser (at most {args.timeout:g} s)...")
    token = client.login_with_browser(
        open_browser=not args.no_browser,
        timeout=args.timeout,
        use_par=args.par,
        redirect_uri=args.redirect_uri,
        scope=args.scope or "openid",
        **request_params,
    )
    return _emit_token(inputs, out, token)


def device(inputs: Inputs, out: Output) -> int:
    """`ro2c device`: show the user code and verification URL, then poll with a live status."""
    client = inputs.client()
    authorization = client.authorize_device(scope=inputs.args.scope, **_request_params(inputs))
    out.status(f"To log in, open {authorization.verification_uri} and enter the code: {authorization.user_code}")
    if authorization.verification_uri_complete:
        out.status(f"(or open {authorization.verification_uri_complete})")
    job = DeviceAuthorizationPollingJob(client, authorization, dpop_key=_dpop_key(inputs))
    status = StatusLine(out.stderr)
    polls = 0
    try:
        while True:
            remaining = ""
            if job.expires_at is not None:
                seconds = int((job.expires_at - datetime.now(tz=timezone.utc)).total_seconds())
                remaining = f", the code expires in {max(seconds, 0)} s"
            status.show(f"Waiting for approval: {polls} polls, one every {job.interval} s{remaining}", job.interval)
            token = job()
            polls += 1
            if token is not None:
                break
    finally:
        status.close()
    out.status("Approved.")
    return _emit_token(inputs, out, token)


def refresh(inputs: Inputs, out: Output) -> int:
    """`ro2c refresh`: a saved token is refreshed like the auth handlers do (its refresh token kept if not rotated)."""
    args = inputs.args
    refresh_token = inputs.token(args.token, args.token_file, "refresh token")
    client = inputs.client()
    params = _request_params(inputs)
    if args.scope:
        params["scope"] = args.scope
    if isinstance(refresh_token, BearerToken):
        if refresh_token.refresh_token is None:
            raise MissingRefreshToken(refresh_token)
        auth = OAuth2AccessTokenAuth(client, refresh_token, **params)
        auth.renew_token()
        token = auth.token
        assert token is not None  # noqa: S101 - renewing a token with a refresh token gives a token or raises
    else:
        token = client.refresh_token(refresh_token, **params)
    return _emit_token(inputs, out, token)


def token_exchange(inputs: Inputs, out: Output) -> int:
    """`ro2c token_exchange`."""
    args = inputs.args
    subject = inputs.token(args.subject_token, args.subject_token_file, "subject token")
    actor = None
    if args.actor_token is not None:
        actor = inputs.token(args.actor_token, None, "actor token")
    client = inputs.client()
    token = client.token_exchange(
        subject_token=subject,
        subject_token_type=args.subject_token_type or (None if isinstance(subject, BearerToken) else "access_token"),
        actor_token=actor,
        actor_token_type=args.actor_token_type or ("access_token" if actor is not None else None),
        requested_token_type=args.requested_token_type,
        dpop_key=_dpop_key(inputs),
        scope=args.scope,
        **_request_params(inputs),
    )
    return _emit_token(inputs, out, token)


def introspect(inputs: Inputs, out: Output) -> int:
    """`ro2c introspect`."""
    args = inputs.args
    token = inputs.token(args.token, args.token_file, "token")
    answer = inputs.client().introspect_token(token, token_type_hint=args.token_type_hint)
    out.result(answer if isinstance(answer, dict) else {"response": answer})
    return 0


def revoke(inputs: Inputs, out: Output) -> int:
    """`ro2c revoke`: exit status 1 when the AS does not confirm the revocation."""
    args = inputs.args
    token = inputs.token(args.token, args.token_file, "token")
    revoked = inputs.client().revoke_token(token, token_type_hint=args.token_type_hint)
    out.result({"revoked": revoked, "token_type_hint": args.token_type_hint or "none"})
    return 0 if revoked else 1


def userinfo(inputs: Inputs, out: Output) -> int:
    """`ro2c userinfo`."""
    args = inputs.args
    token = inputs.token(args.token, args.token_file, "access token")
    claims = inputs.client(client_id_required=False).userinfo(token)
    out.result(claims if isinstance(claims, dict) else {"userinfo": claims})
    return 0


def discover(inputs: Inputs, out: Output) -> int:
    """`ro2c discover`: print the metadata document, once the library has accepted it (issuer check...)."""
    args = inputs.args
    if not (args.issuer or args.discovery_url):
        raise UsageError("name the authorization server: --issuer URL or --discovery-url URL")
    url = args.discovery_url or oidc_discovery_document_url(args.issuer)
    # The library fetches the document (and checks it), then the keys it names: the first successful answer
    # seen by this session is the document itself.
    answers: list[requests.Response] = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, *_args, **_kwargs: answers.append(response))
    OAuth2Client.from_discovery_endpoint(
        url=url, issuer=args.issuer, client_id=PLACEHOLDER_CLIENT_ID, session=session, testing=args.testing
    )
    document = next(answer for answer in answers if 200 <= answer.status_code < 300).json()
    out.result(document)
    return 0
