// The JS client's cache download of one file (downloadFileToCacheDir), and nothing else: no hashing
// afterwards, so the benchmark times the client itself. Prints the snapshot path of the file.
// node download-file.mjs --endpoint URL --repo ID [--type model] [--revision main] --file PATH --cache-dir DIR
import { parseArgs } from "node:util";
import { downloadFileToCacheDir } from "@huggingface/hub";

const { values } = parseArgs({
	options: {
		endpoint: { type: "string" },
		repo: { type: "string" },
		type: { type: "string", default: "model" },
		revision: { type: "string", default: "main" },
		file: { type: "string" },
		"cache-dir": { type: "string" },
	},
	strict: true,
});
// The client reports progress with console.log; stdout carries only the result.
console.debug = console.info = console.log = (...args) => console.error(...args);
const pointer = await downloadFileToCacheDir({
	repo: { type: values.type, name: values.repo },
	path: values.file,
	revision: values.revision,
	hubUrl: values.endpoint,
	cacheDir: values["cache-dir"],
	accessToken: process.env.HF_TOKEN || undefined,
});
process.stdout.write(pointer + "\n");
