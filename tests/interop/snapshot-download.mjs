// snapshotDownload: a whole revision into an HF cache folder; lists what the snapshot holds.
// node snapshot-download.mjs --endpoint URL --repo ID [--type model] [--revision main] --cache-dir DIR
import { lstat, readdir, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { snapshotDownload } from "@huggingface/hub";
import { REPO_OPTIONS, accessToken, parseCli, print, repoDesignation, run, sha256OfFile } from "./common.mjs";

async function listFiles(folder, root, files) {
	for (const entry of await readdir(folder, { withFileTypes: true })) {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) {
			await listFiles(path, root, files);
		} else {
			const isLink = (await lstat(path)).isSymbolicLink();
			files[relative(root, path)] = {
				link: isLink ? await readlink(path) : null,
				sha256: await sha256OfFile(path),
			};
		}
	}
	return files;
}

await run(async () => {
	const { values } = parseCli({ ...REPO_OPTIONS, "cache-dir": { type: "string" } }, {
		required: ["endpoint", "repo", "cache-dir"],
	});
	const snapshot = await snapshotDownload({
		repo: repoDesignation(values),
		revision: values.revision,
		hubUrl: values.endpoint,
		cacheDir: values["cache-dir"],
		accessToken: accessToken(),
	});
	print({ snapshot, files: await listFiles(snapshot, snapshot, {}) });
});
