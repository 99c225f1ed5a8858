// The overview's breakdown panels: groups of tabs, one request for the open tab of each group.

export interface Tab {
  by: string;
  label: string;
  /** The column header. */
  column: string;
  /** Why the total is less than the sum of the rows, in this panel's words. */
  note: string;
}

export interface Group {
  id: string;
  title: string;
  tabs: Tab[];
}

const once = (what: string) => `a visitor with several ${what} is in each of those rows but counts once in the total.`;

export const GROUPS: Group[] = [
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      { by: 'referrer', label: 'Referrers', column: 'Referrer domain', note: once('referrers (over several visits)') },
      { by: 'source', label: 'Sources', column: 'Source', note: once('sources (over several visits)') },
      { by: 'medium', label: 'Medium', column: 'UTM medium', note: once('mediums') },
      { by: 'campaign', label: 'Campaign', column: 'UTM campaign', note: once('campaigns') },
      { by: 'utmContent', label: 'Content', column: 'UTM content', note: once('utm_content values') },
      { by: 'utmTerm', label: 'Term', column: 'UTM term', note: once('utm_term values') },
    ],
  },
  {
    id: 'pages',
    title: 'Pages',
    tabs: [
      { by: 'page', label: 'Top pages', column: 'Page', note: once('pages viewed') },
      { by: 'entryPage', label: 'Entry pages', column: 'Entry page', note: once('visits entering by different pages') },
      { by: 'exitPage', label: 'Exit pages', column: 'Exit page', note: once('visits leaving from different pages') },
    ],
  },
  {
    id: 'locations',
    title: 'Locations',
    tabs: [{ by: 'country', label: 'Countries', column: 'Country', note: once('countries (travel, VPNs)') }],
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      { by: 'browser', label: 'Browsers', column: 'Browser', note: once('browsers') },
      { by: 'os', label: 'Operating systems', column: 'Operating system', note: once('operating systems') },
      { by: 'device', label: 'Devices', column: 'Device', note: once('devices') },
    ],
  },
  {
    id: 'events',
    title: 'Events',
    tabs: [{ by: 'event', label: 'Events', column: 'Event', note: once('events') }],
  },
];

export const traitNote = once('values of this trait over time');

/** The open tab of a group, from its URL parameter (`tab.<group>`). */
export function openTab(group: Group, param: string | null): Tab {
  return group.tabs.find((t) => t.by === param) ?? group.tabs[0];
}
