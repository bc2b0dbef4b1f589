/**
 * The step between pressing Connect and the provider's consent page. Not a
 * 303 from the form post: the UI's Content-Security-Policy has
 * `form-action 'self'`, which browsers also apply to where a form's response
 * redirects, so a redirect to the provider would be blocked. This page
 * navigates there itself (a refresh, and a link for when refreshes are off).
 */
import { Page } from "../layout";
import type { Session } from "../session";

export function OAuthHandoffPage({ session, authorizationUrl }: { session: Session; authorizationUrl: string }) {
  const provider = new URL(authorizationUrl).host;
  return (
    <Page title="Connecting" session={session} refreshTo={authorizationUrl}>
      <div class="card">
        <h1>Taking you to {provider}</h1>
        <p>Sign in there and allow access; you will come back here when it is done.</p>
        <p>
          <a class="button primary" href={authorizationUrl} rel="noreferrer">
            Continue to {provider}
          </a>
        </p>
      </div>
    </Page>
  );
}
