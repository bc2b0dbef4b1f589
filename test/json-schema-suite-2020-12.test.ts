/** The JSON Schema Test Suite's 2020-12 tests through the service: see ./json-schema-suite-checks.ts. */
import { describeSuiteDraft } from "./json-schema-suite-checks";

describeSuiteDraft("2020-12");
