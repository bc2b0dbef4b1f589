import { Page } from "../layout";
import type { Session } from "../session";

/**
 * After the consent form: back to the app, with the authorization code (or
 * access_denied) in the URL the library built. A page that moves on by
 * itself (meta refresh, and a link) rather than a redirect from the form's
 * POST: the UI's Content-Security-Policy has `form-action 'self'`, which
 * browsers also apply to redirects that follow a form submission, and the
 * app's redirect URI is on another origin.
 */
export function OAuthReturnPage({
  session,
  location,
  host,
  approved,
}: {
  session: Session;
  location: string;
  host: string;
  approved: boolean;
}) {
  return (
    <Page title={approved ? "Connected" : "Not connected"} session={session} refreshTo={location}>
      <div class="card">
        <h1>{approved ? "Access allowed" : "Access denied"}</h1>
        <p role="status">
          {approved
            ? "The app can now run the tools you chose. You can revoke its access under Connected apps at any time."
            : "The app was not given access."}
        </p>
        <p>
          <a class="button primary" href={location}>
            Return to {host}
          </a>
        </p>
      </div>
    </Page>
  );
}
