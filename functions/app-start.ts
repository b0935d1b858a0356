// Start-up: refuse to run with invalid settings, naming every problem at once.
import { app } from "@azure/functions";
import { validateSettings } from "../shared/composition-root.js";

app.hook.appStart(() => {
  validateSettings();
});
