// An organisation's opening hours, as stored in organizations.business_hours and read by the SLA calendar.

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface OpenInterval {
  /** 'HH:mm', 00:00-23:59 */
  start: string;
  /** 'HH:mm', 00:01-24:00, after start */
  end: string;
}

export interface BusinessHours {
  /** IANA zone name, e.g. 'Europe/Berlin' */
  timeZone: string;
  weekly: Partial<Record<Weekday, OpenInterval[]>>;
  /** 'YYYY-MM-DD' local dates, closed all day */
  holidays?: string[];
}
