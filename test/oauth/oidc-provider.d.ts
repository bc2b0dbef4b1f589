// The part of oidc-provider 9 that test/oauth/provider.ts uses. The package
// ships no types, and @types/oidc-provider trails its major versions: these
// few declarations, written from its documentation, are what the harness needs.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    grant_types: string[];
    response_types: string[];
    token_endpoint_auth_method?: "client_secret_basic" | "client_secret_post" | "none";
  }

  interface Client {
    clientId: string;
    grantTypeAllowed(type: string): boolean;
  }

  interface Token {
    accountId?: string;
    clientId: string;
    grantId?: string;
    scope?: string;
    isExpired: boolean;
  }

  interface TokenModel {
    find(value: string): Promise<Token | undefined>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  interface Interaction {
    uid: string;
    prompt: { name: string; details: unknown };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
  }

  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    status: number;
    body: unknown;
    type: string;
    get(header: string): string;
    oidc?: {
      params?: Record<string, unknown>;
      client?: Client;
      entities?: Record<string, unknown>;
    };
  }

  export interface Configuration {
    clients: ClientMetadata[];
    pkce?: { required?: (ctx: KoaContextWithOIDC, client: Client) => boolean };
    scopes?: string[];
    claims?: Record<string, string[]>;
    findAccount(
      ctx: KoaContextWithOIDC,
      sub: string,
    ): Promise<{ accountId: string; claims: () => Record<string, unknown> }>;
    interactions?: { url: (ctx: KoaContextWithOIDC, interaction: Interaction) => string };
    cookies?: { keys: string[] };
    features?: Record<string, Record<string, unknown>>;
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: Client, code: unknown) => Promise<boolean>;
    rotateRefreshToken?: boolean;
    ttl?: Record<string, number>;
    renderError?: (ctx: KoaContextWithOIDC, out: Record<string, unknown>, error: unknown) => Promise<void>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    proxy: boolean;
    AccessToken: TokenModel;
    ClientCredentials: TokenModel;
    Grant: { new (init: { accountId: string; clientId: string }): Grant; find(id: string): Promise<Grant | undefined> };
    on(event: string, listener: (...args: never[]) => void): void;
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }
}
