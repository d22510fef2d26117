package render

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/deck-lang/deck/trace"
)

// maxHTMLSteps bounds the steps the page lists one by one.
const maxHTMLSteps = 5000

// HTML writes one self-contained page (inline CSS, a few lines of inline
// script for stepping, nothing fetched) for each run: its pictures, and
// the run card by card with the shared variables and the printed lines
// after each card. Without the script the page still shows every card
// with the state after it; with it, Previous and Next (or the arrow keys)
// step through the run, highlighting the card and the tick it ran at.
func HTML(out io.Writer, runs ...*Run) error {
	var b strings.Builder
	title := "deck"
	if len(runs) > 0 {
		title = runs[0].Title
	}
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%s</title>
<style>
body { font-family: system-ui, sans-serif; margin: 16px; color: #222; }
code, td, .mono, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.bad { color: #c0392b; font-weight: bold; }
.pic { overflow-x: auto; border: 1px solid #ddd; }
.stepper { display: flex; gap: 16px; align-items: flex-start; margin: 12px 0; }
.panel { border: 1px solid #ccc; padding: 8px 12px; min-width: 280px; background: #fafafa; }
table { border-collapse: collapse; }
td, th { padding: 2px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid #eee; }
tr.cur { background: #fff3c4; }
tr.step { cursor: pointer; }
button { font-size: 14px; }
</style>
</head>
<body>
`, esc(title))
	for n, r := range runs {
		r.page(&b, n)
	}
	b.WriteString(script)
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(out, b.String())
	return err
}

// page writes the section of run r, the n-th of the page.
func (r *Run) page(b *strings.Builder, n int) {
	fmt.Fprintf(b, "<section class=\"run\" id=\"run%d\">\n<h2>%s</h2>\n", n, esc(r.Title))
	fmt.Fprintf(b, "<p class=\"mono\">schedule: %s</p>\n", esc(r.Schedule))
	class := ""
	if r.Failed {
		class = ` class="bad"`
	}
	fmt.Fprintf(b, "<p%s>%s</p>\n", class, esc(r.Ending))
	var pic bytes.Buffer
	SVG(&pic, r)
	svg := pic.String()
	svg = svg[strings.Index(svg, "<svg"):]
	// A cursor the script moves to the tick of the current card.
	g := r.geometry()
	cursor := fmt.Sprintf(`<rect class="cursor" x="%s" y="0" width="%s" height="100%%" fill="#ffd54f" opacity="0" pointer-events="none"/>`+"\n", num(g.x(0)), num(g.tw))
	svg = strings.Replace(svg, "</svg>", cursor+"</svg>", 1)
	fmt.Fprintf(b, "<div class=\"pic\">\n%s</div>\n", svg)
	steps := r.Steps
	cut := 0
	if len(steps) > maxHTMLSteps {
		cut = len(steps) - maxHTMLSteps
		steps = steps[:maxHTMLSteps]
	}
	b.WriteString(`<div class="stepper">
<div><button class="prev">◀ Previous</button> <button class="next">Next ▶</button> <span class="where"></span></div>
<div class="panel"><div class="card mono">Press Next to deal the first card.</div><div class="state mono"></div></div>
</div>
`)
	var initial []string
	for _, v := range r.Initial {
		initial = append(initial, v.Name+"="+v.Value)
	}
	fmt.Fprintf(b, "<p class=\"mono\">initially: %s</p>\n", esc(strings.Join(initial, " ")))
	b.WriteString("<table>\n<tr><th>#</th><th>tick</th><th>who</th><th>card</th><th>what it did</th><th>shared after it</th></tr>\n")
	for k, st := range steps {
		who := st.Stack
		if st.Net == "" {
			who = fmt.Sprintf("%s (%s)", st.Stack, r.cpuName(st.CPU))
		}
		cardText := st.Text
		if st.Net == "" {
			cardText = fmt.Sprintf("card %s %s %s", st.Card, trace.ShortPos(st.Pos), st.Text)
		}
		eff := trace.Effects(st)
		if why, ok := r.Lost[k]; ok {
			eff += " — " + why
		}
		state := ""
		if k < len(r.After) {
			var vals []string
			for _, v := range r.After[k] {
				vals = append(vals, v.Name+"="+v.Value)
			}
			state = strings.Join(vals, " ")
			if k < len(r.Printed) && len(r.Printed[k]) > 0 {
				state += fmt.Sprintf(" · printed %d line%s, last %q", len(r.Printed[k]), trace.Plural(len(r.Printed[k])), r.Printed[k][len(r.Printed[k])-1])
			}
		}
		fmt.Fprintf(b, "<tr class=\"step\" data-x=\"%s\"><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td%s>%s</td><td>%s</td></tr>\n",
			num(g.x(int(st.Tick))), k+1, st.Tick+1, esc(who), esc(cardText), failClass(st), esc(eff), esc(state))
	}
	b.WriteString("</table>\n")
	if cut > 0 {
		fmt.Fprintf(b, "<p>… and %d more cards, not listed.</p>\n", cut)
	}
	b.WriteString("</section>\n")
}

func failClass(st trace.Step) string {
	if st.Failed {
		return ` class="bad"`
	}
	return ""
}

// script steps through each run: it highlights a row of the card table,
// shows it and the state after it in the panel, and moves the cursor in
// the picture to its tick.
const script = `<script>
document.querySelectorAll("section.run").forEach(function (sec) {
  var rows = sec.querySelectorAll("tr.step"), k = -1;
  var cur = sec.querySelector("rect.cursor");
  function show(n) {
    if (rows.length === 0) return;
    k = Math.max(0, Math.min(rows.length - 1, n));
    rows.forEach(function (r, i) { r.classList.toggle("cur", i === k); });
    var c = rows[k].cells;
    sec.querySelector(".card").textContent = "#" + c[0].textContent + " tick " + c[1].textContent + "  " + c[2].textContent + ": " + c[3].textContent + "  " + c[4].textContent;
    sec.querySelector(".state").textContent = "shared after it: " + c[5].textContent;
    sec.querySelector(".where").textContent = (k + 1) + " of " + rows.length;
    if (cur) { cur.setAttribute("x", rows[k].dataset.x); cur.setAttribute("opacity", "0.35"); }
  }
  sec.querySelector(".prev").onclick = function () { show(k - 1); };
  sec.querySelector(".next").onclick = function () { show(k + 1); };
  rows.forEach(function (r, i) { r.onclick = function () { show(i); }; });
  sec.tabIndex = 0;
  sec.onkeydown = function (e) { if (e.key === "ArrowRight") show(k + 1); if (e.key === "ArrowLeft") show(k - 1); };
});
</script>
`
