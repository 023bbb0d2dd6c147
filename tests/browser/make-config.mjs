// make-config.mjs — writes the browser tests' floor: the demo floor open around the
// clock, with an Arabic stub language (to prove right-to-left), no ticket rate limit,
// one kiosk key,
// and one service (volunteer) open only tomorrow, so the kiosk shows a closed service.
// Usage: node make-config.mjs DEMO.json OUT.json
import { readFileSync, writeFileSync } from "node:fs";

const [src, out] = process.argv.slice(2);
const c = JSON.parse(readFileSync(src, "utf8"));
const ar = {
	reception: "الاستقبال", nav: "NAV – العمل والرعاية", social: "المساعدة الاجتماعية المالية",
	housing: "السكن", child_welfare: "رعاية الطفل", health_station: "مركز صحة الطفل",
	refugee: "خدمات اللاجئين", mental_health: "الصحة النفسية والإدمان",
	care_allocation: "مكتب تخصيص خدمات الرعاية", ppt: "الخدمة التربوية النفسية (PPT)",
	adult_education: "تعليم الكبار", volunteer: "مركز التطوع", service_desk: "مكتب خدمات البلدية",
};
c.hours = "always";
c.floor.languages = ["nb", "nn", "sv", "en", "ar"];
c.floor.name.ar = "مركز الرفاه في ستوفنر";
for (const s of c.services)
	s.name.ar = ar[s.id] || s.name.en;
for (const k of c.counters) {
	const n = k.id.slice(1);
	k.name.ar = k.kind === "room" ? `غرفة الاجتماعات ${n}` : `الشباك ${n}`;
}
const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const today = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: c.floor.timezone })
	.format(new Date()).toLowerCase().slice(0, 3);
const tomorrow = days[(days.indexOf(today) + 1) % 7];
const vol = c.services.find((s) => s.id === "volunteer");
vol.hours = { [tomorrow]: [["10:00", "14:00"]] };
c.kiosks = { policy: "public", rate_per_minute: 0, keys: [{ id: "k2", key: "test-kiosk-key-0123456789" }] };
delete c.server.listen;
writeFileSync(out, JSON.stringify(c, null, 1));
