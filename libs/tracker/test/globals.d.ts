import type { Api } from '../src/tracker';

declare global {
  interface Window {
    sightline: Api;
    trackr: Record<'trackPageStart' | 'trackPageEnd' | 'logoutUser', () => void> & {
      signupUser(id: string, data?: object, signupDate?: number): void;
      loginUser(id: string): void;
      updateUser(data: object): void;
    };
    fizzstat: { event(type: string, value?: unknown, data?: object, callback?: () => void): void };
  }
}
