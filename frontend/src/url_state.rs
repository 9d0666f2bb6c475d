//! The Admin Logs view lives in the URL: `/admin-logs?from=...&keyword=...`.
//! A link or a reload shows the same view; Back shows the previous one.

use adminlog_types::{
    check_keyword, Action, Ago, LogFilter, LogQuery, Problem, QueryKind, TimeBound, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
use time::OffsetDateTime;

/// Page sizes offered in the page-size menu.
pub const PAGE_SIZES: [u32; 6] = [25, 50, 100, 250, 500, 1000];

/// The view a URL's query string describes, or, for a link that cannot be
/// read, why in plain sentences. An unreadable link shows nothing rather than
/// a wider view than it asked for.
pub fn view_from_search(search: &str) -> Result<LogQuery, String> {
    let search = search.trim_start_matches('?');
    LogQuery::parse(search, QueryKind::Page).map_err(|problems| {
        let mut sentences: Vec<String> = problems.iter().map(|p| plain_sentence(p, search)).collect();
        sentences.dedup();
        format!("This link cannot be shown. {}", sentences.join(" "))
    })
}

/// One problem of a link as a sentence for a person, not for a programmer.
fn plain_sentence(problem: &Problem, search: &str) -> String {
    let value = |name: &str| {
        form_urlencoded::parse(search.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let bound = |name: &str| if name == "from" { "start" } else { "end" };
    match problem.field.as_str() {
        _ if problem.message.contains("more than once") => format!("It gives “{}” more than once.", problem.field),
        "from" if problem.message.contains("is after") => {
            format!("Its start ({}) is after its end ({}).", value("from"), value("to"))
        }
        field @ ("from" | "to") => format!("Its {} “{}” is not a date.", bound(field), value(field)),
        "actions" => {
            let unknown: Vec<String> = form_urlencoded::parse(search.as_bytes())
                .filter(|(n, _)| n == "actions")
                .flat_map(|(_, v)| v.split(',').map(|a| a.trim().to_owned()).collect::<Vec<_>>())
                .filter(|a| !a.is_empty() && a.parse::<Action>().is_err())
                .map(|a| format!("“{a}”"))
                .collect();
            format!("{} is not an action type.", unknown.join(", "))
        }
        "keyword" => format!("Its keyword {}.", problem.message),
        "limit" => format!("Its page size “{}” is not a whole number from 1 to {MAX_PAGE_SIZE}.", value("limit")),
        other => format!("“{other}” is not a filter of this page."),
    }
}

/// The app URL of a view.
pub fn view_url(path: &str, query: &LogQuery) -> String {
    let search = query.to_query_string(QueryKind::Page);
    if search.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{search}")
    }
}

/// The API URL of a view's page.
pub fn page_api_url(query: &LogQuery) -> String {
    let mut with_limit = query.clone();
    with_limit.limit = Some(query.page_size());
    format!("/api/v1/admin-logs?{}", with_limit.to_query_string(QueryKind::Page))
}

/// The view of the events matching `value` (a cell of the table), on the
/// same range and actions, from its first page; `None` for a value that is
/// no keyword (empty, too long).
pub fn narrowed_to_value(query: &LogQuery, value: &str) -> Option<LogQuery> {
    let keyword = check_keyword(value).ok().flatten()?;
    let mut narrowed = query.clone();
    narrowed.filter.keyword = Some(keyword);
    narrowed.cursor = None;
    Some(narrowed)
}

/// The view of `action` alone, on the same range and keyword, from its
/// first page.
pub fn narrowed_to_action(query: &LogQuery, action: Action) -> LogQuery {
    let mut narrowed = query.clone();
    narrowed.filter.actions = vec![action];
    narrowed.cursor = None;
    narrowed
}

/// Where an event's own page lives (its permanent link in the app).
const EVENT_PAGE_PREFIX: &str = "/admin-logs/events/";

/// The app path of event `id`'s page.
pub fn event_page_path(id: i64) -> String {
    format!("{EVENT_PAGE_PREFIX}{id}")
}

/// The event id an app path names, if it is an event's page.
pub fn event_page_id(path: &str) -> Option<i64> {
    path.strip_prefix(EVENT_PAGE_PREFIX)?.parse().ok().filter(|id| *id > 0)
}

/// `endpoint` with the view's filters, as `kind` takes them.
fn with_filters(endpoint: &str, filter: &LogFilter, kind: QueryKind) -> String {
    let search = LogQuery { filter: filter.clone(), ..LogQuery::default() }.to_query_string(kind);
    if search.is_empty() {
        endpoint.to_owned()
    } else {
        format!("{endpoint}?{search}")
    }
}

/// The API URL that exports exactly the view's filters (every page).
pub fn export_api_url(filter: &LogFilter) -> String {
    with_filters("/api/v1/admin-logs/export", filter, QueryKind::Export)
}

/// The API URL of the count and activity bars of the view's filters.
pub fn histogram_api_url(filter: &LogFilter) -> String {
    with_filters("/api/v1/admin-logs/histogram", filter, QueryKind::Histogram)
}

/// The API URL of the counts per action within the view's range and
/// keyword (its actions left out: each count is what choosing it shows).
pub fn action_counts_api_url(filter: &LogFilter) -> String {
    with_filters("/api/v1/admin-logs/action-counts", filter, QueryKind::ActionCounts)
}

/// The quick ranges offered beside the custom days.
pub const QUICK_RANGES: [(Ago, &str); 3] =
    [(Ago::LAST_24_HOURS, "Last 24 hours"), (Ago::LAST_7_DAYS, "Last 7 days"), (Ago::LAST_30_DAYS, "Last 30 days")];

/// The form's fields, as the browser's inputs hold them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterForm {
    /// A span back from now (`from=now-7d`), kept relative in the link;
    /// when set, `from` and `to` are empty.
    pub range: Option<Ago>,
    /// `YYYY-MM-DD` (a whole UTC day), an RFC 3339 instant (a link to a
    /// part of a day, as a histogram bar gives), or empty.
    pub from: String,
    pub to: String,
    pub keyword: String,
    pub actions: Vec<Action>,
    pub page_size: u32,
}

impl FilterForm {
    pub fn from_query(query: &LogQuery) -> FilterForm {
        let day = |bound: Option<TimeBound>| match bound {
            Some(bound @ (TimeBound::Day(_) | TimeBound::Instant(_))) => bound.to_string(),
            Some(TimeBound::Ago(_)) | None => String::new(),
        };
        FilterForm {
            range: match query.filter.from {
                Some(TimeBound::Ago(ago)) => Some(ago),
                _ => None,
            },
            from: day(query.filter.from),
            to: day(query.filter.to),
            keyword: query.filter.keyword.clone().unwrap_or_default(),
            actions: query.filter.actions.clone(),
            page_size: query.page_size(),
        }
    }

    /// The same range as exact instants, for date-and-time fields: a day
    /// from its first microsecond (UTC) and to its last, a quick range from
    /// where it starts at `now`; no start at all: the last 24 hours.
    pub fn with_times(&self, now: OffsetDateTime) -> FilterForm {
        let instant = |text: &str, end: bool| match TimeBound::parse(text) {
            Ok(bound) => TimeBound::Instant(if end { bound.end(now) } else { bound.start(now) }).to_string(),
            Err(_) => String::new(),
        };
        let from = match self.range {
            Some(ago) => TimeBound::Instant(now - ago.duration()).to_string(),
            None if self.from.is_empty() => TimeBound::Instant(now - time::Duration::hours(24)).to_string(),
            None => instant(&self.from, false),
        };
        FilterForm { range: None, from, to: instant(&self.to, true), ..self.clone() }
    }

    /// The same range as whole UTC days: an instant becomes its day.
    pub fn with_days(&self) -> FilterForm {
        let day = |text: &str| match TimeBound::parse(text) {
            Ok(TimeBound::Instant(at)) => TimeBound::Day(at.date()).to_string(),
            _ => text.to_owned(),
        };
        FilterForm { range: None, from: day(&self.from), to: day(&self.to), ..self.clone() }
    }

    /// Whether a bound is an instant, shown as a date and time.
    pub fn has_times(&self) -> bool {
        self.from.contains('T') || self.to.contains('T')
    }

    /// The first page of the view the form describes, or what is wrong with it.
    pub fn to_query(&self) -> Result<LogQuery, String> {
        let mut parts = Vec::new();
        if let Some(range) = self.range {
            parts.push(format!("from={range}"));
        } else if !self.from.is_empty() {
            parts.push(format!("from={}", self.from));
        }
        if !self.to.is_empty() {
            parts.push(format!("to={}", self.to));
        }
        let mut query = LogQuery::parse(&parts.join("&"), QueryKind::Page)
            .map_err(|problems| problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("; "))?;
        query.filter.keyword = adminlog_types::check_keyword(&self.keyword).map_err(|m| format!("Keyword {m}."))?;
        query.filter.actions = Action::ALL.iter().copied().filter(|a| self.actions.contains(a)).collect();
        query.limit = (self.page_size != DEFAULT_PAGE_SIZE).then_some(self.page_size);
        Ok(query)
    }
}

/// The filename in a `Content-Disposition: attachment; filename="..."` header.
pub fn filename_from_disposition(header: &str) -> Option<String> {
    let start = header.find("filename=\"")? + "filename=\"".len();
    let end = start + header[start..].find('"')?;
    Some(header[start..end].to_owned()).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_view_round_trips_through_its_url() {
        let form = FilterForm {
            range: None,
            from: "2016-06-01".into(),
            to: "2016-06-30".into(),
            keyword: "john doe".into(),
            actions: vec![Action::LOG_IN, Action::ISSUE_TOKEN],
            page_size: 100,
        };
        let query = form.to_query().unwrap();
        let url = view_url("/admin-logs", &query);
        assert_eq!(
            url,
            "/admin-logs?from=2016-06-01&to=2016-06-30&keyword=john+doe&actions=LOG_IN%2CISSUE_TOKEN&limit=100"
        );
        let back = view_from_search(url.split_once('?').unwrap().1).unwrap();
        assert_eq!(back, query);
        // Actions come back in the seed's order whatever order they were picked in.
        assert_eq!(
            FilterForm::from_query(&back),
            FilterForm { actions: vec![Action::LOG_IN, Action::ISSUE_TOKEN], ..form }
        );
    }

    #[test]
    fn a_quick_range_stays_relative_in_the_link() {
        let form = FilterForm { range: Some(Ago::LAST_7_DAYS), page_size: 50, ..FilterForm::default() };
        let url = view_url("/admin-logs", &form.to_query().unwrap());
        assert_eq!(url, "/admin-logs?from=now-7d");
        let back = FilterForm::from_query(&view_from_search("from=now-7d").unwrap());
        assert_eq!(back, form);
        assert_eq!(
            FilterForm::from_query(&view_from_search("from=now-24h&to=2030-01-01").unwrap()).range,
            Some(Ago::LAST_24_HOURS)
        );
    }

    #[test]
    fn the_default_view_has_a_bare_url() {
        let form = FilterForm { page_size: DEFAULT_PAGE_SIZE, ..FilterForm::default() };
        assert_eq!(view_url("/admin-logs", &form.to_query().unwrap()), "/admin-logs");
        assert_eq!(page_api_url(&LogQuery::default()), "/api/v1/admin-logs?limit=50");
    }

    #[test]
    fn export_keeps_the_filters_and_drops_paging() {
        let query = view_from_search("?from=2016-06-01&keyword=vpn&limit=25&cursor=abc").unwrap();
        assert_eq!(export_api_url(&query.filter), "/api/v1/admin-logs/export?from=2016-06-01&keyword=vpn");
        assert_eq!(export_api_url(&LogFilter::default()), "/api/v1/admin-logs/export");
    }

    #[test]
    fn bad_forms_and_urls_say_what_is_wrong() {
        let form =
            FilterForm { from: "2016-06-10".into(), to: "2016-06-01".into(), page_size: 50, ..FilterForm::default() };
        assert!(form.to_query().unwrap_err().contains("after"));
        assert_eq!(
            view_from_search("from=tomorrow&actions=LOG_IN,NOPE").unwrap_err(),
            "This link cannot be shown. Its start “tomorrow” is not a date. “NOPE” is not an action type."
        );
        assert_eq!(
            view_from_search("?from=2016-06-10&to=2016-06-01").unwrap_err(),
            "This link cannot be shown. Its start (2016-06-10) is after its end (2016-06-01)."
        );
        assert_eq!(
            view_from_search("limit=0&color=red&limit=5").unwrap_err(),
            "This link cannot be shown. Its page size “0” is not a whole number from 1 to 1000. \
             “color” is not a filter of this page. It gives “limit” more than once."
        );
    }

    #[test]
    fn instants_in_links_stay_instants_through_the_form() {
        let query = view_from_search("from=2016-06-09T23:30:00-02:00&to=2016-06-10T03:59:59.999999Z").unwrap();
        let form = FilterForm::from_query(&query);
        assert_eq!(form.from, "2016-06-10T01:30:00Z");
        assert_eq!(form.to, "2016-06-10T03:59:59.999999Z");
        // View on that form asks for the same range, not whole days.
        assert_eq!(form.to_query().unwrap().filter, query.filter);
        assert_eq!(
            FilterForm::from_query(&view_from_search("from=2016-06-10").unwrap()).from,
            date!(2016 - 06 - 10).to_string()
        );
    }

    #[test]
    fn a_range_switches_between_days_and_times_without_moving() {
        let now = time::macros::datetime!(2026-11-30 12:00 UTC);
        let days =
            FilterForm { from: "2016-06-01".into(), to: "2016-06-30".into(), page_size: 50, ..FilterForm::default() };
        let times = days.with_times(now);
        assert_eq!((times.from.as_str(), times.to.as_str()), ("2016-06-01T00:00:00Z", "2016-06-30T23:59:59.999999Z"));
        assert!(times.has_times() && !days.has_times());
        assert_eq!(
            times.to_query().unwrap().filter.to,
            days.to_query().unwrap().filter.to.map(|b| TimeBound::Instant(b.end(now)))
        );
        assert_eq!(times.with_days(), days);
        // A quick range becomes where it starts now; no range, the last day.
        let quick = FilterForm { range: Some(Ago::LAST_7_DAYS), page_size: 50, ..FilterForm::default() };
        assert_eq!(quick.with_times(now).from, "2026-11-23T12:00:00Z");
        assert_eq!(quick.with_times(now).range, None);
        assert_eq!(FilterForm::default().with_times(now).from, "2026-11-29T12:00:00Z");
        assert_eq!(FilterForm::default().with_times(now).to, "");
    }

    #[test]
    fn the_histogram_asks_for_the_filters_alone() {
        let query = view_from_search("from=now-7d&keyword=vpn&limit=25&cursor=abc").unwrap();
        assert_eq!(histogram_api_url(&query.filter), "/api/v1/admin-logs/histogram?from=now-7d&keyword=vpn");
        assert_eq!(histogram_api_url(&LogFilter::default()), "/api/v1/admin-logs/histogram");
    }

    #[test]
    fn a_cell_narrows_the_view_to_its_value_or_action_from_the_first_page() {
        let query = view_from_search("from=now-7d&keyword=vpn&actions=LOG_IN&limit=25&cursor=abc").unwrap();
        let narrowed = narrowed_to_value(&query, " jane@acme.example ").unwrap();
        assert_eq!(
            view_url("/admin-logs", &narrowed),
            "/admin-logs?from=now-7d&keyword=jane%40acme.example&actions=LOG_IN&limit=25"
        );
        assert_eq!(narrowed_to_value(&query, ""), None);
        assert_eq!(narrowed_to_value(&query, &"x".repeat(300)), None);
        let action = narrowed_to_action(&query, Action::ISSUE_TOKEN);
        assert_eq!(
            view_url("/admin-logs", &action),
            "/admin-logs?from=now-7d&keyword=vpn&actions=ISSUE_TOKEN&limit=25"
        );
    }

    #[test]
    fn an_event_page_path_names_one_positive_id() {
        assert_eq!(event_page_id(&event_page_path(42)), Some(42));
        assert_eq!(event_page_id("/admin-logs/events/"), None);
        assert_eq!(event_page_id("/admin-logs/events/0"), None);
        assert_eq!(event_page_id("/admin-logs/events/x1"), None);
        assert_eq!(event_page_id("/admin-logs/events/1/2"), None);
        assert_eq!(event_page_id("/admin-logs"), None);
    }

    #[test]
    fn the_action_counts_leave_the_actions_out() {
        let query = view_from_search("from=now-7d&keyword=vpn&actions=LOG_IN,LOG_OUT&limit=25").unwrap();
        assert_eq!(
            histogram_api_url(&query.filter),
            "/api/v1/admin-logs/histogram?from=now-7d&keyword=vpn&actions=LOG_IN%2CLOG_OUT"
        );
        assert_eq!(action_counts_api_url(&query.filter), "/api/v1/admin-logs/action-counts?from=now-7d&keyword=vpn");
        assert_eq!(action_counts_api_url(&LogFilter::default()), "/api/v1/admin-logs/action-counts");
    }

    #[test]
    fn export_filenames_come_from_the_server() {
        assert_eq!(
            filename_from_disposition("attachment; filename=\"admin-logs_2016-06-01_to_now.csv\"").as_deref(),
            Some("admin-logs_2016-06-01_to_now.csv")
        );
        assert_eq!(filename_from_disposition("attachment"), None);
    }
}
