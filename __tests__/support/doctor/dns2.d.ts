// Minimal typings for the parts of dns2 (pure-JS DNS server) the doctor tests use.
declare module 'dns2' {
  interface Question {
    name: string;
    type: number;
    class: number;
  }
  interface Answer {
    name: string;
    type: number;
    class: number;
    ttl: number;
    address?: string;
    exchange?: string;
    priority?: number;
  }
  class Packet {
    static TYPE: Record<string, number>;
    static CLASS: Record<string, number>;
    static createResponseFromRequest(request: Packet): Packet;
    header: { rcode: number; aa: number };
    questions: Question[];
    answers: Answer[];
  }
  interface DnsServer {
    listen(options: {
      udp?: { port: number; address: string; type?: 'udp4' | 'udp6' };
    }): Promise<{ udp?: { port: number; address: string } }>;
    close(): Promise<void>;
    on(event: 'requestError' | 'error', listener: (err: Error) => void): this;
  }
  function createServer(options: {
    udp?: boolean;
    handle: (request: Packet, send: (response: Packet) => void) => void;
  }): DnsServer;
  export { Packet, createServer };
}
