/**
 * After "Start from a cURL command" filled in a credential: save it as a new
 * connection, or use a connection that already sends the same kind of
 * credential to this origin (each linked to its page).
 */
export interface CurlConnectionOffer {
  canSave: boolean;
  matching: { id: string; name: string; status: string }[];
}

export function CurlConnectionOfferSection({ offer }: { offer: CurlConnectionOffer }) {
  return (
    <section class="card" aria-labelledby="curl-connection-heading">
      <h2 id="curl-connection-heading">Share the command's credential</h2>
      <p class="hint">
        A connection keeps a credential once for many tools, so rotating it is one change. Or keep it in this tool only:
        do nothing here.
      </p>
      {offer.matching.length > 0 && (
        <ul>
          {offer.matching.map((m) => (
            <li>
              <a href={`/ui/connections/${m.id}`}>{m.name}</a> ({m.status.replaceAll("_", " ")}) sends the same kind of
              credential to this origin.{" "}
              <button type="submit" name="_action" value={`curl_use_connection.${m.id}`}>
                Use {m.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {offer.canSave && (
        <button type="submit" name="_action" value="curl_save_connection">
          Save it as a new connection
        </button>
      )}
    </section>
  );
}
