/** The table of things a principal may revoke (API keys, connected apps): a row each, a Revoke button last. */
import type { Child } from "hono/jsx";
import { CsrfField } from "../components";

/**
 * `cells` gives a row's cells in the order of `columns`, whose names label
 * them on narrow screens; `revoke` gives its last cell, a RevokeButton or
 * what stands instead once it is revoked.
 */
export function RevokeTable<Row>(props: {
  caption: string;
  columns: readonly string[];
  rows: readonly Row[];
  cells: (row: Row) => readonly Child[];
  revoke: (row: Row) => Child;
}) {
  return (
    <table>
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th scope="col">{column}</th>
          ))}
          <th scope="col">
            <span class="sr-only">Revoke</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => {
          const cells = props.cells(row);
          return (
            <tr>
              {props.columns.map((column, i) => (
                <td data-label={column}>{cells[i]}</td>
              ))}
              <td>{props.revoke(row)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Revoke `name`: a form of its own that posts to `action`, the button named for what it revokes. */
export function RevokeButton({ action, name, csrf }: { action: string; name: string; csrf: string }) {
  return (
    <form method="post" action={action}>
      <CsrfField token={csrf} />
      <button class="danger" type="submit">
        Revoke {name}
      </button>
    </form>
  );
}
