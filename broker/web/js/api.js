// api.js: the JSON API of latchkeyd (ARCHITECTURE §5) from the pages.
// Every call sends and receives JSON with the session cookie of this origin;
// a failure becomes an ApiError carrying the status, the API's error code
// and, for 429, how long to wait.

export class ApiError extends Error {
	constructor(status, code, message, retryAfter) {
		super(message || code);
		this.name = "ApiError";
		this.status = status;
		this.code = code;
		this.retryAfter = retryAfter;
	}
}

// The wait a 429 asks for, in seconds: the Retry-After header, else a
// retryAfter number in the body; null when neither says.
function retryAfter(res, data) {
	const h = parseInt(res.headers.get("Retry-After") || "", 10);
	if (Number.isFinite(h) && h >= 0)
		return h;
	if (data && Number.isFinite(data.retryAfter) && data.retryAfter >= 0)
		return Math.ceil(data.retryAfter);
	return null;
}

// Calls method path with body (an object; none for GET) and resolves with the
// answer's JSON ({} when empty), or rejects with an ApiError (status 0 when
// the server could not be reached).
export async function api(method, path, body) {
	const init = {
		method,
		credentials: "same-origin",
		cache: "no-store",
		headers: { "Accept": "application/json" },
	};
	if (method !== "GET" && method !== "HEAD") {
		init.headers["Content-Type"] = "application/json";
		init.body = JSON.stringify(body ?? {});
	}
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, "network", "");
	}
	let data = null;
	try {
		const text = await res.text();
		if (text)
			data = JSON.parse(text);
	} catch (e) {
		data = null;
	}
	if (!res.ok) {
		const code = data && typeof data.error === "string" ?
		    data.error : "http_" + res.status;
		const message = data && typeof data.message === "string" ?
		    data.message : "";
		throw new ApiError(res.status, code, message, retryAfter(res, data));
	}
	return data && typeof data === "object" ? data : {};
}
