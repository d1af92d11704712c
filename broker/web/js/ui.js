// ui.js: the status line (#message) and busy buttons, shared by the pages.

const message = () => document.getElementById("message");

// Shows text in the status line; kind "error", "ok" or "" (progress).
export function say(text, kind = "") {
	const m = message();
	m.textContent = text || "";
	m.className = text ? kind : "";
}

// Disables the buttons while a step runs, so a double press starts nothing twice.
export function busy(on, ...buttons) {
	for (const b of buttons)
		if (b)
			b.disabled = on;
	document.body.setAttribute("aria-busy", on ? "true" : "false");
}

// Marks the page ready for people and tests once its start-up is done.
export function ready() {
	document.body.dataset.ready = "1";
}
