/** Columns of the events table that the store writes and the event log reads back as they are. */
export interface EventAttributeColumns {
  user_id: string | null;
  anonymous_id: string | null;
  session_id: string;
  page_path: string | null;
  referrer_domain: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  country: string | null;
  browser: string | null;
  os: string | null;
  device_type: string;
  is_bot: boolean;
}
