// The host clients reach the API at, as the OpenAPI document names it: a DNS name or an IPv4
// address with an optional port, never a scheme or a path. It comes from a setting, never from a
// request: a Host header is whatever the client sent.
import { z } from "zod";

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST_AND_PORT = new RegExp(`^(${LABEL}(?:\\.${LABEL})*)(?::([0-9]{1,5}))?$`);

export const PublicHost = z.string().superRefine((value, ctx) => {
  const match = HOST_AND_PORT.exec(value);
  const name = match?.[1] ?? "";
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (match === null || name.length > 253 || (port !== undefined && (port < 1 || port > 65_535))) {
    ctx.addIssue({
      code: "custom",
      message:
        "must be a host name with an optional port (e.g. escalations.chinacloudsites.cn or 127.0.0.1:7071), without scheme or path",
    });
  }
});
export type PublicHost = z.infer<typeof PublicHost>;
