// Start-up: telemetry starts as the app loads, before any function runs; then the app refuses to
// run with invalid settings, naming every problem at once.
import * as functions from "@azure/functions";
import { startTelemetry, validateSettings } from "../shared/composition-root.js";

startTelemetry(functions);

functions.app.hook.appStart(() => {
  validateSettings();
});
