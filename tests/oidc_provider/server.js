// A real OpenID Provider for the portal's login tests (npm `oidc-provider`): two issuers, one per test
// municipality, each on its own port, each with static clients and a small store of people.
//
//   node server.js <config.json>
//
// config.json: {"issuers": [{"port": 1234, "clients": [{"client_id": "...", "client_secret": "...",
//   "redirect_uris": ["..."]}]}], "accounts": {"<sub>": {"email": "...", "email_verified": true, "name": "..."}}}
// Each issuer is http://127.0.0.1:<port>. It prints "ready <port> ..." when every issuer listens.
//
// Signing in is a plain form (no JavaScript): the person types their account id (the subject) and the
// provider grants the client the scopes it asked for. That stands in for the municipality's own login page.
import { readFileSync } from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accounts = config.accounts;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function makeProvider(issuer, clients) {
  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      ...client,
    })),
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "email", "profile"],
    pkce: { required: () => false },
    features: { devInteractions: { enabled: false } },
    // Claims go into the ID token too, as many municipal providers (Entra ID) do.
    conformIdTokenClaims: false,
    cookies: { keys: ["portal-test-openid-provider"] },
    async findAccount(ctx, sub) {
      const person = accounts[sub];
      if (!person) return undefined;
      return { accountId: sub, async claims() { return { sub, ...person }; } };
    },
  });
  const handler = provider.callback();
  return async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)/);
    if (!match) return handler(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(
          `<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Kommunens login</title></head>` +
            `<body><h1>Kommunens login (${escapeHtml(issuer)})</h1>` +
            `<form method="post" action="/interaction/${escapeHtml(details.uid)}">` +
            `<label for="login">Bruger-id</label> <input id="login" name="login" autocomplete="off">` +
            `<button type="submit">Log ind</button></form></body></html>`,
        );
        return undefined;
      }
      const form = await readForm(req);
      const accountId = form.get("login");
      if (!accounts[accountId]) {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end("unknown account");
        return undefined;
      }
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
    return undefined;
  };
}

const servers = config.issuers.map(({ port, clients }) => {
  const server = http.createServer(makeProvider(`http://127.0.0.1:${port}`, clients));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(port)));
});
Promise.all(servers).then((ports) => console.log(`ready ${ports.join(" ")}`));
