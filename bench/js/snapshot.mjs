// The JS client's whole-revision download (snapshotDownload), and nothing else. Prints the snapshot folder.
// node snapshot.mjs --endpoint URL --repo ID [--type model] [--revision main] --cache-dir DIR
import { parseArgs } from "node:util";
import { snapshotDownload } from "@huggingface/hub";

const { values } = parseArgs({
	options: {
		endpoint: { type: "string" },
		repo: { type: "string" },
		type: { type: "string", default: "model" },
		revision: { type: "string", default: "main" },
		"cache-dir": { type: "string" },
	},
	strict: true,
});
// The client reports progress with console.log; stdout carries only the result.
console.debug = console.info = console.log = (...args) => console.error(...args);
const snapshot = await snapshotDownload({
	repo: { type: values.type, name: values.repo },
	revision: values.revision,
	hubUrl: values.endpoint,
	cacheDir: values["cache-dir"],
	accessToken: process.env.HF_TOKEN || undefined,
});
process.stdout.write(snapshot + "\n");
