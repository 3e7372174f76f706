/** Lesson 9: the network namespace — lo only, or a veth pair into the bridge, NAT and published ports. */
import type { Lesson } from '../lesson';
import type { Lab } from '../lab';
import { networkFacts } from '../../engine/live-facts';
import { detectFirewall } from '../../network/firewall';

/** busybox httpd serving one page on port 80 inside the container. */
const WEB_SERVER = ['sh', '-c', 'mkdir /www && echo "hello from the container" > /www/index.html && exec httpd -f -p 80 -h /www'];

/** The host command that lists mini-run's DNAT rule for host port PORT, for this host's packet filter. */
function dnatRulesCommand(port: number): string | null {
  switch (detectFirewall().kind) {
    case 'iptables-legacy':
    case 'iptables-nft': return `iptables -t nat -S MINI-RUN-DNAT | grep -- '--dport ${port} '`;
    case 'nft': return `nft list table ip mini_run | grep 'dport ${port} '`;
    default: return null;
  }
}

/** The bridge container seen from the host: its veth, its published port, a request, the NAT rule; then removed. */
function hostSide(lab: Lab, name: string, pid: number): string {
  const eth0 = networkFacts(pid).interfaces.find((i) => i.name === 'eth0');
  const veth = eth0?.peer?.hostName;
  const published = lab.mr(['port', name, '80']).stdout;
  const port = Number(/:(\d+)\s*$/.exec(published.trim())?.[1] ?? 0);
  // httpd starts right away, but wait (up to 2.5 s) until it listens before asking it
  lab.exec(name, ['sh', '-c', 'for i in $(seq 50); do netstat -ltn | grep -q ":80 " && break; sleep 0.05; done']);
  const rules = dnatRulesCommand(port);
  let text = (veth ? lab.host(`bridge link show dev ${veth}`) : '(no veth found for eth0)\n') +
    `$ mini-run port ${name} 80\n${published}` +
    lab.host(`curl -s --max-time 5 http://127.0.0.1:${port}/`) +
    (rules ? lab.host(rules) : '(no packet filter on this host: no NAT rules)\n');
  lab.remove(name);
  text += `$ mini-run rm -f ${name}\n` + (veth ? lab.host(`bridge link show dev ${veth}`) : '') + (rules ? lab.host(`${rules} || echo "no rule for ${port} any more"`) : '');
  return text;
}

export const networkLesson: Lesson = {
  slug: 'network',
  title: 'Network namespace: veth, the bridge, NAT and published ports',
  goal: 'Interfaces of its own; a veth pair and a bridge connect it, NAT publishes its ports',
  about: [
    'A network namespace has its own interfaces, addresses, routes, port numbers and packet filter. A new one holds only a loopback interface, lo: with `--network none` that is all the container gets, and nothing can reach it or leave it.',
    'To connect it, mini-run (like docker) makes a veth pair — two virtual interfaces joined by a wire: a packet sent into one comes out of the other. One end is made right inside the container, named eth0, with an address of 10.88.0.0/16; the other stays on the host (mr-…) and is plugged into the bridge mini-run0, a virtual switch that has the gateway address 10.88.0.1. Every container on the bridge can reach the others and the host.',
    'Leaving and entering go through the host\'s packet filter (NAT): packets from 10.88.0.0/16 going out get the host\'s address (MASQUERADE), and `-p HOST:CTR` adds a DNAT rule that rewrites connections to the host\'s port HOST into connections to the container\'s address, port CTR. All of it is in chains of mini-run\'s own (MINI-RUN-…, or the nft table mini_run), and a container\'s rule and veth go away with it.',
  ],
  calls: {
    run: ['-p', '127.0.0.1::80', '{image}', 'true'],
    show: /CLONE_NEWNET|AF_NETLINK|netlink RTM_|exec (iptables|nft) /,
    note: 'CLONE_NEWNET gives the init an empty network namespace. The `ip` command is a netlink client: `ip link add` sends one RTM_NEWLINK message on an AF_NETLINK socket and the kernel answers 0 or an errno. mini-run sends those messages itself (each line shows the `ip` command that sends the same): the veth pair with its peer created right inside the container (IFLA_NET_NS_FD, the open /proc/PID/ns/net), the host end plugged into mini-run0 and up; then it joins the container\'s namespace with setns just long enough to open a second netlink socket there — a netlink socket acts on the namespace it was made in — and through it gives eth0 its address, brings it up and adds the default route. One DNAT rule (iptables or nft, still a command) publishes the port; the rule and the veth go when the container exits.',
  },
  experiment: {
    intro: '`ip -4 addr` in a container with --network none, and in one on the default bridge running busybox httpd with `-p 127.0.0.1::80` (no host port given: mini-run picks a free one). Then, from the host: the container\'s veth, a request to the published port, and the NAT rule — before and after the container is removed.',
    run: (lab) => [
      { title: 'off: --network none', text: lab.run(['--network', 'none', lab.image, 'ip', '-4', 'addr']) },
      ...lab.withContainer(['-p', '127.0.0.1::80', lab.image, ...WEB_SERVER], (c) => [
        { title: 'on: bridge, inside', text: `$ mini-run exec ${c.name} ip -4 addr\n${lab.exec(c.name, ['ip', '-4', 'addr']).stdout}$ mini-run exec ${c.name} ip route\n${lab.exec(c.name, ['ip', 'route']).stdout}` },
        { title: 'on: bridge, the host side', text: hostSide(lab, c.name, c.pid) },
      ]),
    ],
    conclusion: 'With --network none there is only lo. On the bridge the container has eth0 with a 10.88 address and a default route via 10.88.0.1 (the bridge). Its other end, mr-…, is on the host, plugged into mini-run0 ("master mini-run0 state forwarding"). curl to 127.0.0.1:PORT reached httpd inside through the DNAT rule. After `rm` both the veth and the rule are gone.',
  },
  exercise: {
    run: ['-p', '127.0.0.1::80', '{image}', 'sleep', '3600'],
    tryThis: [
      'ip addr; ip route; cat /etc/resolv.conf',
      'ping -c 1 10.88.0.1                     # the bridge, on the host',
      'httpd -p 80 -h /etc                     # then on the host: curl http://127.0.0.1:$(mini-run port mr-lesson-network 80 | cut -d: -f2)/hostname',
      'on the host: ip link show master mini-run0; bridge link',
      'on the host: iptables -t nat -S MINI-RUN-DNAT   (or: nft list table ip mini_run)',
      'readlink /proc/self/ns/net              # and on the host: readlink /proc/self/ns/net',
    ],
  },
  check: {
    fact: 'The container has its own network namespace, with an eth0 whose other end is a veth on a bridge of the host',
    counterExample: ['--network', 'host', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const net = networkFacts(c.pid);
      const eth0 = net.interfaces.find((i) => i.name === 'eth0');
      const names = net.interfaces.map((i) => i.name);
      const ok = !net.sharedWithHost && !!eth0 && eth0.addresses.some((a) => /^\d+\.\d+\.\d+\.\d+\//.test(a)) && !!eth0.peer?.hostName && !!eth0.peer.bridge;
      const evidence = net.sharedWithHost
        ? `the container shares the host's network namespace (--network host): it sees the host's ${names.length} interfaces (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''})`
        : eth0
          ? `own network namespace; interfaces: ${names.join(', ')}\neth0 ${eth0.addresses.join(' ')}, its other end on the host: ${eth0.peer?.hostName ?? '(not found)'}${eth0.peer?.bridge ? `, attached to the bridge ${eth0.peer.bridge}` : ', on no bridge'}\ndefault route via ${net.gateway ?? '(none)'}`
          : `own network namespace, but no eth0: only ${names.join(', ')} (--network none?)`;
      return { ok, evidence };
    },
  },
};
