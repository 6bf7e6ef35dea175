"""Drives postiz-server's MCP endpoint with the official MCP Python SDK (the `mcp` package).

Usage: python client.py PLAN_JSON
PLAN_JSON: {"url": ..., "headers": {...}, "calls": [{"name": ..., "arguments": {...}}, ...],
            "oauth": {"backend": ..., "session": ...}}

Connects over the streamable HTTP transport, initializes, lists the tools and makes each call
in order. Prints one JSON object: the server's name, the tools (name, description, input
schema, annotations) and each call's result (isError, text, structured content). Exits 2 when
the connection itself fails, with the error on stderr.

With "oauth", the SDK's own OAuth client gets the credential: it reads the protected
resource's metadata after the 401, the authorization server's metadata, registers itself
(RFC 7591, a public client), and sends the user to the consent page with a PKCE challenge.
The "user" here approves through the backend's consent route with the given session, as the
web app's page does, and hands the code back to the SDK, which exchanges it with the
verifier. The token it obtained is printed as "token".
"""

import asyncio
import json
import sys

from urllib.parse import parse_qs, urlparse

import httpx2
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class MemoryStorage:
    """Keeps the client's registration and tokens for this run."""

    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


def oauth_provider(url, oauth, storage):
    """The SDK's OAuth client, with a user who approves on the backend's consent route."""
    answer = {}

    async def approve(authorization_url):
        q = {k: v[0] for k, v in parse_qs(urlparse(authorization_url).query).items()}
        async with httpx2.AsyncClient() as http:
            consent = await http.get(f"{oauth['backend']}/oauth/authorize", params=q)
            consent.raise_for_status()
            decision = {
                "client_id": q["client_id"],
                "action": "approve",
                "state": q.get("state"),
                "redirect_uri": q.get("redirect_uri"),
                "code_challenge": q.get("code_challenge"),
                "code_challenge_method": q.get("code_challenge_method"),
            }
            r = await http.post(
                f"{oauth['backend']}/oauth/authorize",
                json=decision,
                headers={"auth": oauth["session"]},
            )
            r.raise_for_status()
        back = parse_qs(urlparse(r.json()["redirect"]).query)
        answer["code"] = back["code"][0]
        answer["state"] = back.get("state", [None])[0]

    async def callback():
        return AuthorizationCodeResult(code=answer["code"], state=answer["state"])

    from mcp.shared.auth import OAuthClientMetadata

    metadata = OAuthClientMetadata(
        client_name="Postiz test agent",
        redirect_uris=["http://127.0.0.1:45873/callback"],
        grant_types=["authorization_code"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    return OAuthClientProvider(
        server_url=url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=approve,
        callback_handler=callback,
    )


async def run(plan):
    out = {"calls": []}
    storage = MemoryStorage()
    auth = None
    if plan.get("oauth"):
        auth = oauth_provider(plan["url"], plan["oauth"], storage)
    async with create_mcp_http_client(headers=plan.get("headers") or {}, auth=auth) as http:
        async with streamable_http_client(plan["url"], http_client=http) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                out["server"] = init.server_info.name
                out["protocolVersion"] = str(init.protocol_version)
                listed = await session.list_tools()
                out["tools"] = [dump(t) for t in listed.tools]
                for call in plan.get("calls", []):
                    result = await session.call_tool(call["name"], call.get("arguments") or {})
                    text = "".join(
                        getattr(block, "text", "") for block in (result.content or [])
                    )
                    out["calls"].append(
                        {
                            "name": call["name"],
                            "isError": bool(result.is_error),
                            "text": text,
                            "structured": result.structured_content,
                        }
                    )
    if storage.tokens is not None:
        out["token"] = storage.tokens.access_token
    return out


def main():
    plan = json.loads(sys.argv[1])
    try:
        out = asyncio.run(run(plan))
    except BaseException as e:  # an exception group from the transport's task group
        print(f"MCP client failed: {e!r}", file=sys.stderr)
        for inner in getattr(e, "exceptions", []) or []:
            print(f"  {inner!r}", file=sys.stderr)
        sys.exit(2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
