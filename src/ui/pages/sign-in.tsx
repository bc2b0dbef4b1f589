import { Page } from "../layout";

export function SignInPage({
  next,
  error,
  notice,
  sessionEnded = false,
}: {
  next: string;
  error?: string | undefined;
  notice?: string | undefined;
  /** The person was signed in and their session ended: say why they are here. */
  sessionEnded?: boolean;
}) {
  // An app's OAuth request (src/ui/oauth.tsx) waits behind this sign-in.
  const forApp = next.startsWith("/ui/oauth/authorize?");
  return (
    <Page title="Sign in" session={null}>
      <div class="card sign-in">
        <h1>Sign in to toolgate</h1>
        {forApp && (
          <p>
            An app is asking to connect to toolgate. Sign in to see what it asks for; nothing is given to it until you
            allow it on the next page.
          </p>
        )}
        <p class="muted">
          Paste an API token: the admin token, or an API key that an administrator created for you. The token stays on
          the server; this browser keeps only a session cookie.
        </p>
        {forApp && (
          <p class="muted">
            {/* The session cookie is SameSite=Strict: a browser does not send it on the way here from the app's site. */}
            Already signed in to toolgate in this browser? <a href={next}>Continue to the app's request</a>.
          </p>
        )}
        {sessionEnded && (
          <div class="notice" role="status">
            <p>
              Your session has ended, so toolgate needs you to sign in again. Sessions end after 8 hours, when you sign
              out, or when the API key you signed in with is revoked.
            </p>
            {/* Shown by /ui/editor-draft.js when this tab kept the form of the page to return to. */}
            <p data-draft-kept hidden>
              The form you were filling in is kept in this browser tab: after you sign in, you go back to it filled in.
              Secrets are never kept in the browser, so type them again there.
            </p>
          </div>
        )}
        {notice && (
          <p class="success" role="status">
            {notice}
          </p>
        )}
        {error && (
          <div class="error-summary" role="alert">
            {error}
          </div>
        )}
        <form method="post" action="/ui/sign-in">
          <input type="hidden" name="next" value={next} />
          <div class="field">
            <label for="token">API token</label>
            <input
              type="password"
              id="token"
              name="token"
              required
              autocomplete="off"
              spellcheck={false}
              aria-invalid={error ? "true" : undefined}
            />
          </div>
          <button class="primary" type="submit">
            Sign in
          </button>
        </form>
      </div>
      <script src="/ui/editor-draft.js" defer></script>
    </Page>
  );
}
