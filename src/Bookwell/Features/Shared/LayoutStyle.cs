namespace Bookwell.Features.Shared;

/// <summary>
/// The CSS of the client-facing layout (booking page, manage page, portal, waitlist). It stays inside the page, so a
/// first visit paints without waiting for a stylesheet, and goes out through <see cref="Infrastructure.InlineStyles"/>,
/// so the page's policy allows exactly these blocks. The page's accent colour is a block of its own: the large
/// block is the same for every business.
/// </summary>
public static class LayoutStyle
{
    public static string Accent(string accent) => $":root {{ --accent: {accent}; }}";

    public const string Css = """
        :root { --ink: #1f2937; --muted: #4b5563; --line: #d1d5db; --bg: #f9fafb; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        main { max-width: 44rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
        header.hero { background: var(--accent); color: #fff; padding: 1.25rem 1rem; }
        header.hero .inner { max-width: 44rem; margin: 0 auto; display: flex; gap: .75rem; align-items: center; }
        header.hero img { max-height: 48px; max-width: 96px; background: #fff; border-radius: 6px; padding: 2px; }
        header.hero h1 { margin: 0; font-size: 1.4rem; }
        header.hero p { margin: .25rem 0 0; }
        h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
        a { color: var(--accent); }
        section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem; margin: 1rem 0; }
        section > h2:first-child { margin-top: 0; }
        section > h2 small { font-weight: 400; }
        .choices { list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }
        .series { list-style: none; padding: 0; margin: 0; } .series li { padding: .5rem 0; border-bottom: 1px solid #e5e7eb; display: grid; gap: .25rem; } .series li[aria-current] { font-weight: 600; } .series-scope { margin-bottom: .75rem; } .series-scope label { display: flex; gap: .5rem; align-items: flex-start; padding: .375rem 0; min-height: 44px; }
        .choice { display: block; min-height: 44px; padding: .75rem; border: 1px solid var(--line); border-radius: 8px; text-decoration: none; color: var(--ink); background: #fff; }
        .choice[aria-current="true"], .choice.selected { border: 2px solid var(--accent); }
        .choice small { color: var(--muted); display: block; }
        .days { display: grid; grid-template-columns: repeat(auto-fill, minmax(4.5rem, 1fr)); gap: .4rem; list-style: none; padding: 0; margin: 0; }
        .day { display: flex; flex-direction: column; align-items: center; justify-content: center; min-height: 56px; border: 1px solid var(--line); border-radius: 8px; text-decoration: none; color: var(--ink); font-size: .9rem; }
        table.month { width: 100%; border-collapse: separate; border-spacing: .25rem; table-layout: fixed; }
        table.month caption { font-weight: 600; text-align: left; padding: .25rem; }
        table.month th { font-size: .8rem; color: var(--muted); font-weight: 600; }
        table.month .day { min-height: 44px; }
        .day[aria-disabled="true"] { color: #9ca3af; background: #f3f4f6; text-decoration: line-through; }
        .day[aria-current="date"] { background: var(--accent); color: #fff; border-color: var(--accent); }
        .times { display: grid; grid-template-columns: repeat(auto-fill, minmax(6.5rem, 1fr)); gap: .4rem; list-style: none; padding: 0; margin: 0; }
        .time { display: flex; flex-direction: column; align-items: center; justify-content: center; min-height: 44px; border: 1px solid var(--accent); border-radius: 8px; color: var(--accent); text-decoration: none; font-weight: 600; background: #fff; width: 100%; font-size: 1rem; cursor: pointer; }
        .time small { font-weight: 400; color: var(--muted); font-size: .75rem; }
        .time.selected, .time:hover { background: var(--accent); color: #fff; }
        .time.selected small, .time:hover small { color: #e5e7eb; }
        label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
        .check label { display: inline; font-weight: 400; }
        .check { display: flex; gap: .5rem; align-items: flex-start; margin: .75rem 0; }
        .check input { width: 22px; height: 22px; flex: none; }
        input[type=text], input[type=email], input[type=password], input[type=tel], input[type=number], input[type=date], textarea, select { width: 100%; min-height: 44px; padding: .5rem; border: 1px solid #6b7280; border-radius: 6px; font: inherit; }
        .error { color: #b91c1c; font-size: .9rem; margin: .25rem 0 0; }
        [aria-invalid="true"] { border-color: #b91c1c; border-width: 2px; }
        .button { display: inline-flex; align-items: center; justify-content: center; min-height: 44px; padding: .5rem 1.25rem; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; text-decoration: none; cursor: pointer; }
        .button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
        .button.danger { background: #b91c1c; }
        .row { display: flex; flex-wrap: wrap; gap: .5rem; justify-content: space-between; align-items: center; margin-top: .75rem; }
        .notice { border-left: 4px solid var(--accent); background: #fff; padding: .75rem 1rem; margin: 1rem 0; }
        .notice.warn { border-color: #b45309; background: #fffbeb; }
        .notice.bad { border-color: #b91c1c; background: #fef2f2; }
        .notice.org { display: flex; gap: .75rem; align-items: center; }
        .notice.org p { margin: 0; }
        .notice.org img { max-height: 48px; max-width: 96px; width: auto; height: auto; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        /* A phone: each label above its value, so a long label (Annuleringsvoorwaarden) never squeezes the value. */
        @media (max-width: 30rem) { dl { grid-template-columns: 1fr; gap: 0; } dd { margin-bottom: .5rem; } }
        .muted { color: var(--muted); }
        footer { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .9rem; }
        :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
        .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        [hidden] { display: none !important; }
        fieldset { border: 0; padding: 0; margin: 0; }
        legend { font-weight: 600; margin: .75rem 0 .25rem; padding: 0; }
        .portal-business { margin: 0; font-weight: 600; }
        nav.portal { max-width: 44rem; margin: 0 auto; padding: .5rem 1rem 0; }
        nav.portal ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; margin: 0; align-items: center; }
        nav.portal a { display: inline-block; min-height: 44px; padding: .6rem 0; }
        nav.portal .end { margin-left: auto; }
        nav.portal form { margin: 0; }
        .signed-in { margin: .25rem 0 0; }
        .notice.client p { margin: 0; }
        .pager { margin-top: 1rem; } .pager p { margin: 0; }
        """;
}
