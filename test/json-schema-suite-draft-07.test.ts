/** The JSON Schema Test Suite's draft-07 tests through the service: see ./json-schema-suite-checks.ts. */
import { describeSuiteDraft } from "./json-schema-suite-checks";

describeSuiteDraft("draft-07");
