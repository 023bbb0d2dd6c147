// icons.js — the service icons the web clients draw, as inline SVG (24×24, stroked
// with currentColor so they take the button's colour and contrast). Names are the
// `icon` ids a floor configuration uses; an unknown name gets the ticket icon.

const PATHS = {
	door: "M6 21V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v17M3 21h18M14.5 12.5v.01",
	briefcase: "M4 8h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1zM9 8V5.5A1.5 1.5 0 0 1 10.5 4h3A1.5 1.5 0 0 1 15 5.5V8M3 13h18",
	coins: "M9 10c3.3 0 6-1.1 6-2.5S12.3 5 9 5 3 6.1 3 7.5 5.7 10 9 10zM3 7.5v4C3 12.9 5.7 14 9 14s6-1.1 6-2.5v-4M3 11.5v4C3 16.9 5.7 18 9 18c1.2 0 2.3-.1 3.2-.4M15 13c3.3 0 6 1.1 6 2.5S18.3 18 15 18s-6-1.1-6-2.5M21 15.5v3c0 1.4-2.7 2.5-6 2.5s-6-1.1-6-2.5v-3",
	house: "M3 11l9-7 9 7M5 9.5V20h5v-6h4v6h5V9.5",
	child: "M12 7a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM8 11l4-2 4 2M12 9v6M9 21l3-6 3 6",
	heart: "M12 20s-7.5-4.5-7.5-10A4.5 4.5 0 0 1 12 7a4.5 4.5 0 0 1 7.5 3c0 5.5-7.5 10-7.5 10z",
	globe: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3c2.5 2.6 3.8 5.6 3.8 9s-1.3 6.4-3.8 9c-2.5-2.6-3.8-5.6-3.8-9S9.5 5.6 12 3z",
	leaf: "M5 19C5 10 10 5 20 4c0 10-5 15-13 15H5zM5 19l8-8",
	clipboard: "M9 4h6v3H9zM9 5.5H6a1 1 0 0 0-1 1V20a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V6.5a1 1 0 0 0-1-1h-3M8.5 11h7M8.5 14.5h7M8.5 18h4",
	book: "M4 5.5A1.5 1.5 0 0 1 5.5 4H11v16H5.5A1.5 1.5 0 0 1 4 18.5zM20 5.5A1.5 1.5 0 0 0 18.5 4H13v16h5.5a1.5 1.5 0 0 0 1.5-1.5zM11 20h2",
	school: "M2 9l10-5 10 5-10 5zM6 11v5c0 1.7 2.7 3 6 3s6-1.3 6-3v-5M22 9v6",
	hands: "M3 14l4-4 3 1 4-3 3 1 4 3M3 14l5 5h5l6-6M10 11l-2 3 2 1 3-3M14 15l-2 2",
	info: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 11v6M12 7.5v.01",
	ticket: "M4 7a1 1 0 0 1 1-1h14a1 1 0 0 1 1 1v3a2 2 0 0 0 0 4v3a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1v-3a2 2 0 0 0 0-4zM14 6v12",
};

const NS = "http://www.w3.org/2000/svg";

// Returns a new decorative <svg> element for icon `name` (aria-hidden: the button's
// text names the service).
export function icon(name) {
	const svg = document.createElementNS(NS, "svg");
	svg.setAttribute("viewBox", "0 0 24 24");
	svg.setAttribute("class", "icon");
	svg.setAttribute("aria-hidden", "true");
	svg.setAttribute("focusable", "false");
	const p = document.createElementNS(NS, "path");
	p.setAttribute("d", PATHS[name] || PATHS.ticket);
	svg.append(p);
	return svg;
}

// The icon names drawn here (for tests and for configuration authors).
export const ICON_NAMES = Object.keys(PATHS);
