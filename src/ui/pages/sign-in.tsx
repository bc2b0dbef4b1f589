import { Page } from "../layout";

export function SignInPage({
  next,
  error,
  notice,
}: {
  next: string;
  error?: string | undefined;
  notice?: string | undefined;
}) {
  return (
    <Page title="Sign in" session={null}>
      <div class="card sign-in">
        <h1>Sign in to toolgate</h1>
        <p class="muted">
          Paste an API token: the admin token, or an API key that an administrator created for you. The token stays on
          the server; this browser keeps only a session cookie.
        </p>
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
    </Page>
  );
}
