// make-config.mjs — writes the browser tests' floor: the demo floor open around the
// clock, with an Arabic stub language (to prove right-to-left), no ticket rate limit,
// one kiosk key,
// one service (volunteer) open only tomorrow, so the kiosk shows a closed service, a
// meeting room with a 40-character name in every language (x40, for ppt) and two wall
// displays whose primary language is English (hall-en, own colours) and Arabic (hall-ar);
// a long screen message (close to messages[].text's 280 characters) on hall and hall-ar,
// not on kiosks nor on hall-en.
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
const long = { nb: "Samtalerom for familier og barn, 2. etg.", nn: "Samtalerom for familiar og born, 2. etg.",
	sv: "Samtalsrum för familjer och barn, vån. 2", en: "Family and children's room, second floor",
	ar: "غرفة اجتماع العائلات والأطفال، الطابق ١٢" };
for (const [l, n] of Object.entries(long))
	if ([...n].length !== 40)
		throw new Error(`make-config: the ${l} long counter name is ${[...n].length} characters, not 40`);
c.counters.push({ id: "x40", kind: "room", name: long, services: ["ppt"] });
c.displays.push({ id: "hall-en", name: "Hall (English first)", languages: ["en", "nb", "ar"],
	colors: { background: "#1a1a2e", accent: "#7ee8fa" }, logo: "torg.svg" },
	{ id: "hall-ar", name: "Hall (Arabic first)", languages: ["ar", "en", "nb"], language_mode: "rotate" });
const notice = {
	nb: "Servicetorget stenger kl. 14 i dag på grunn av personalmøte. Timeavtaler etter kl. 14 flyttes, og du får en SMS med ny tid. Trenger du akutt hjelp fra NAV eller sosialtjenesten, ring vakttelefonen 21 80 21 80, som er åpen hele døgnet. Vi beklager og takker for forståelsen.",
	nn: "Servicetorget stengjer kl. 14 i dag på grunn av personalmøte. Timeavtalar etter kl. 14 blir flytta, og du får ein SMS med ny tid. Treng du akutt hjelp frå NAV eller sosialtenesta, ring vakttelefonen 21 80 21 80, som er open heile døgeret. Vi beklagar og takkar for forståinga.",
	sv: "Servicetorget stänger kl. 14 i dag på grund av personalmöte. Bokade tider efter kl. 14 flyttas, och du får ett sms med ny tid. Behöver du akut hjälp från NAV eller socialtjänsten, ring jourtelefonen 21 80 21 80, som är öppen dygnet runt. Vi ber om ursäkt. Tack!",
	en: "The service floor closes at 14:00 today for a staff meeting. Appointments after 14:00 will be moved, and you will get a text message with the new time. If you need urgent help from NAV or social services, call the duty phone on 21 80 21 80, open around the clock. We apologise.",
	ar: "يُغلق مركز الخدمات اليوم الساعة ١٤ بسبب اجتماع للموظفين. سيتم نقل المواعيد بعد الساعة ١٤ وستصلك رسالة نصية بالموعد الجديد. إذا كنت بحاجة إلى مساعدة عاجلة من NAV أو من الخدمات الاجتماعية، اتصل بهاتف الطوارئ على الرقم ٢١ ٨٠ ٢١ ٨٠، وهو متاح على مدار الساعة. نعتذر عن الإزعاج.",
};
for (const [l, n] of Object.entries(notice))
	if ([...n].length < 260 || [...n].length > 280)
		throw new Error(`make-config: the ${l} message is ${[...n].length} characters, not 260-280`);
c.messages = [{ id: "closing-early", text: notice, displays: ["hall", "hall-ar"], kiosks: false }];
const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const today = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: c.floor.timezone })
	.format(new Date()).toLowerCase().slice(0, 3);
const tomorrow = days[(days.indexOf(today) + 1) % 7];
const vol = c.services.find((s) => s.id === "volunteer");
vol.hours = { [tomorrow]: [["10:00", "14:00"]] };
c.kiosks = { policy: "public", rate_per_minute: 0, keys: [{ id: "k2", key: "test-kiosk-key-0123456789" }] };
delete c.server.listen;
writeFileSync(out, JSON.stringify(c, null, 1));
