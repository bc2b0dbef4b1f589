/**
 * cURL commands as browsers copy them, for the import tests: keep them
 * byte-for-byte in the browsers' formats. When they were written, the bash
 * ones were run through bash and curl 7.88 against a local echo server, and
 * test/curl-import-api.test.ts expects the requests curl sent then (less the
 * headers the import leaves out). Every credential here is made up.
 */

/** Chrome 124, "Copy as cURL (bash)": a GET with a bearer token, cookies as -b, client hints. */
export const CHROME_GET = String.raw`curl 'https://api.acme-crm.example/v3/contacts?page=2&per_page=25&sort=-created_at&filter%5Bstatus%5D=active' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-US,en;q=0.9,fr;q=0.8' \
  -H 'authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1XzgyMTEifQ.Qm9ndXNTaWduYXR1cmU' \
  -b '_ga=GA1.1.918273645.1714000000; crm_session=s%3AZk9vYmFy.c2lnbmVk; theme=dark' \
  -H 'if-none-match: W/"5f3a-18c9"' \
  -H 'origin: https://app.acme-crm.example' \
  -H 'priority: u=1, i' \
  -H 'referer: https://app.acme-crm.example/' \
  -H 'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'sec-ch-ua-platform: "Windows"' \
  -H 'sec-fetch-dest: empty' \
  -H 'sec-fetch-mode: cors' \
  -H 'sec-fetch-site: same-site' \
  -H 'user-agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36' \
  -H 'x-request-id: 3f6c1a9e-2b7d-4c1e-9f0a-5d4e3c2b1a09'`;
export const CHROME_GET_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1XzgyMTEifQ.Qm9ndXNTaWduYXR1cmU";

/** Chrome 124, bash: a POST whose JSON body needs ANSI-C quoting ($'…': a quote, a "!", an escaped newline). */
export const CHROME_POST = String.raw`curl 'https://api.acme-crm.example/v3/contacts/81723/notes' \
  -H 'accept: application/json' \
  -H 'accept-language: en-US,en;q=0.9' \
  -H 'authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1XzgyMTEifQ.Qm9ndXNTaWduYXR1cmU' \
  -H 'content-type: application/json' \
  -b 'crm_session=s%3AZk9vYmFy.c2lnbmVk' \
  -H 'origin: https://app.acme-crm.example' \
  -H 'priority: u=1, i' \
  -H 'referer: https://app.acme-crm.example/contacts/81723' \
  -H 'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'sec-ch-ua-platform: "macOS"' \
  -H 'sec-fetch-dest: empty' \
  -H 'sec-fetch-mode: cors' \
  -H 'sec-fetch-site: same-site' \
  -H 'user-agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36' \
  --data-raw $'{"title":"Call with Ada","body":"She said: \\"let\'s ship it\u0021\\"\\nNext: Monday","pinned":true,"priority":2,"tags":["sales","q3"],"due":null}'`;

/** Firefox 126, "Copy as cURL (POSIX)": one line, -X POST, capitalised headers, a form body. */
export const FIREFOX_FORM = String.raw`curl 'https://api.example-shop.com/newsletter/subscribe' -X POST -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0' -H 'Accept: application/json, text/javascript, */*; q=0.01' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Content-Type: application/x-www-form-urlencoded; charset=UTF-8' -H 'Authorization: Bearer nl_9f8e7d6c5b4a39281706f5e4d3c2b1a0' -H 'X-Requested-With: XMLHttpRequest' -H 'Origin: https://www.example-shop.com' -H 'Connection: keep-alive' -H 'Referer: https://www.example-shop.com/' -H 'Cookie: PHPSESSID=k3j4h5g6f7d8s9a0; consent=all' -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-site' -H 'Priority: u=0' -H 'TE: trailers' --data-raw 'email=ada%40example.com&name=Ada+Lovelace&lists%5B%5D=weekly&lists%5B%5D=offers&consent=1'`;
export const FIREFOX_FORM_TOKEN = "nl_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

/** Firefox 126, POSIX: -X PATCH, a non-Bearer Authorization scheme, $'…' with \u2014, \' and octal \041. */
export const FIREFOX_PATCH = String.raw`curl 'https://api.example-git.dev/repos/acme/widgets/issues/1347' -X PATCH -H 'User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:126.0) Gecko/20100101 Firefox/126.0' -H 'Accept: application/vnd.github+json' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Content-Type: application/json' -H 'Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a' -H 'X-GitHub-Api-Version: 2022-11-28' -H 'Origin: https://example-git.dev' -H 'Connection: keep-alive' -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-site' -H 'Sec-GPC: 1' --data-raw $'{"title":"Widgets crash on load","state":"closed","labels":["bug","p1"],"milestone":4,"body":"Fixed in #1350 \u2014 it\'s deployed\041"}'`;
export const FIREFOX_PATCH_TOKEN = "token ghp_16C7e42F292c6912E7710c838347Ae178B4a";

/** Chrome 124, "Copy as cURL (cmd)": carets everywhere, the API key in the query. */
export const CHROME_CMD_GET = String.raw`curl ^"https://api.openweather.example/data/2.5/weather?q=S^%^C3^%^A3o^%^20Paulo^&units=metric^&appid=4f1e7c2b9a8d6e5f3c1b0a9d8e7f6c5b^" ^
  -H ^"accept: */*^" ^
  -H ^"accept-language: pt-BR,pt;q=0.9^" ^
  -H ^"origin: https://weather.example^" ^
  -H ^"priority: u=1, i^" ^
  -H ^"referer: https://weather.example/^" ^
  -H ^"sec-ch-ua: ^\^"Chromium^\^";v=^\^"124^\^", ^\^"Google Chrome^\^";v=^\^"124^\^", ^\^"Not-A.Brand^\^";v=^\^"99^\^"^" ^
  -H ^"sec-ch-ua-mobile: ?0^" ^
  -H ^"sec-ch-ua-platform: ^\^"Windows^\^"^" ^
  -H ^"sec-fetch-dest: empty^" ^
  -H ^"sec-fetch-mode: cors^" ^
  -H ^"sec-fetch-site: cross-site^" ^
  -H ^"user-agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36^"`;
export const CHROME_CMD_GET_KEY = "4f1e7c2b9a8d6e5f3c1b0a9d8e7f6c5b";

/** Chrome 124, cmd: a POST whose JSON needs \" inside ^"…^", and ^% ^& ^! in a value. */
export const CHROME_CMD_POST = String.raw`curl ^"https://api.example-pay.com/v1/invoices^" ^
  -H ^"accept: application/json^" ^
  -H ^"content-type: application/json^" ^
  -H ^"x-api-key: pk_live_51HqLyjWDarjtT1zdp7dc^" ^
  --data-raw ^"^{^\^"customer^\^":^\^"cus_9s6XKzkNRiz8i3^\^",^\^"amount^\^":1999,^\^"currency^\^":^\^"eur^\^",^\^"memo^\^":^\^"50^% off ^& free shipping^!^\^"^}^" ^
  --compressed`;
export const CHROME_CMD_POST_KEY = "pk_live_51HqLyjWDarjtT1zdp7dc";
