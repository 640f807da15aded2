// scanCacheDir: what the JS client makes of an HF cache folder (repos, revisions, refs, warnings).
// node scan-cache.mjs --cache-dir DIR
import { scanCacheDir } from "@huggingface/hub";
import { parseCli, print, run } from "./common.mjs";

await run(async () => {
	const { values } = parseCli({ "cache-dir": { type: "string" } }, { required: ["cache-dir"] });
	const info = await scanCacheDir(values["cache-dir"]);
	print({
		size: info.size,
		warnings: info.warnings.map((warning) => String(warning?.message ?? warning)),
		repos: info.repos.map((repo) => ({
			id: repo.id,
			path: repo.path,
			size: repo.size,
			filesCount: repo.filesCount,
			revisions: repo.revisions.map((revision) => ({
				commitOid: revision.commitOid,
				refs: revision.refs,
				size: revision.size,
				files: revision.files.map((file) => ({ path: file.path, blob: file.blob.path, size: file.blob.size })),
			})),
		})),
	});
});
