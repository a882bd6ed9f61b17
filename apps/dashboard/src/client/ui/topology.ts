/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/**
 * The P2P topology as a cytoscape graph: members on a circle (laid out once), one directed
 * edge per measured pair, coloured by RTT and sized by traffic; a link that is down is drawn
 * dashed and grey, and refused non-member peers sit apart in a box of their own with an edge
 * from each member that refused them. Each update changes elements in place (no re-layout),
 * and the container lists the current edges in data attributes for tests and tools.
 */
import cytoscape from 'cytoscape';
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { MemberCard, Topology } from '../../protocol.js';
import { STATUS_COLOURS, memberColour, rttColour, trafficWidth } from './colors.js';

export const REFUSED_NODE_ID = 'refused-non-members';

export interface TopologyGraphProps {
  readonly members: readonly string[];
  readonly cards: readonly MemberCard[];
  readonly topology: Topology;
}

/** The graph instance of the mounted topology view (null when another view is shown), for tests. */
export const topologyHandle: { cy: cytoscape.Core | null } = { cy: null };

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node.member', style: { label: 'data(id)', 'background-color': 'data(colour)', 'border-width': 4, 'border-color': 'data(statusColour)', width: 36, height: 36, 'font-size': 12, 'text-valign': 'bottom', 'text-margin-y': 6 } },
  { selector: `node#${REFUSED_NODE_ID}`, style: { shape: 'round-rectangle', label: 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'center', width: 150, height: 48, 'background-color': '#fde0dc', 'border-color': STATUS_COLOURS.down, 'border-width': 2, 'font-size': 11 } },
  { selector: 'edge.link', style: { width: 'data(width)', 'line-color': 'data(colour)', 'target-arrow-color': 'data(colour)', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.6, 'curve-style': 'bezier' } },
  { selector: 'edge.link.down', style: { 'line-style': 'dashed', 'line-color': STATUS_COLOURS.unknown, 'target-arrow-color': STATUS_COLOURS.unknown, width: 1, opacity: 0.6 } },
  { selector: 'edge.refused', style: { 'line-style': 'dotted', 'line-color': STATUS_COLOURS.down, label: 'data(label)', 'font-size': 10, width: 1, 'curve-style': 'straight' } },
];

export function linkId(from: string, to: string): string {
  return `${from}->${to}`;
}

function statusOf(cards: readonly MemberCard[], member: string): string {
  return STATUS_COLOURS[cards.find((card) => card.member === member)?.status ?? 'unknown'];
}

/** Members, edges and the refused box brought to the given state without re-laying out. */
function sync(cy: cytoscape.Core, props: TopologyGraphProps): void {
  cy.batch(() => {
    for (const member of props.members) {
      const node = cy.getElementById(member);
      const data = { id: member, colour: memberColour(props.members, member), statusColour: statusOf(props.cards, member) };
      if (node.empty()) cy.add({ group: 'nodes', data, classes: 'member' });
      else node.data(data);
    }
    const wanted = new Set<string>();
    for (const link of props.topology.links) {
      if (!props.members.includes(link.from) || !props.members.includes(link.to)) continue;
      const id = linkId(link.from, link.to);
      wanted.add(id);
      const data = { id, source: link.from, target: link.to, colour: rttColour(link.rttSeconds), width: trafficWidth(link.sentBytesPerSecond) };
      let edge = cy.getElementById(id);
      if (edge.empty()) edge = cy.add({ group: 'edges', data, classes: 'link' });
      else edge.data(data);
      edge.toggleClass('down', !link.connected);
    }
    const refused = props.topology.refusedNonMembers.filter((item) => item.refused > 0);
    const total = refused.reduce((sum, item) => sum + item.refused, 0);
    const box = cy.getElementById(REFUSED_NODE_ID);
    const boxData = { id: REFUSED_NODE_ID, label: `refused non-members\n${total}`, refused: total };
    if (box.empty()) cy.add({ group: 'nodes', data: boxData, position: { x: 0, y: 0 } });
    else box.data(boxData);
    for (const item of refused) {
      const id = `refused:${item.member}`;
      wanted.add(id);
      const data = { id, source: item.member, target: REFUSED_NODE_ID, label: String(item.refused) };
      const edge = cy.getElementById(id);
      if (edge.empty()) cy.add({ group: 'edges', data, classes: 'refused' });
      else edge.data(data);
    }
    cy.edges()
      .filter((edge) => !wanted.has(edge.id()))
      .remove();
    cy.nodes('.member')
      .filter((node) => !props.members.includes(node.id()))
      .remove();
  });
}

/** Members on a circle, the refused box to their right. Run when the member set changes, not per tick. */
function layout(cy: cytoscape.Core): void {
  cy.nodes('.member').layout({ name: 'circle', fit: false, padding: 20, animate: false }).run();
  const box = cy.nodes('.member').boundingBox({});
  cy.getElementById(REFUSED_NODE_ID).position({ x: box.x2 + 140, y: (box.y1 + box.y2) / 2 });
  cy.fit(undefined, 24);
}

export function TopologyGraph(props: TopologyGraphProps) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<cytoscape.Core | null>(null);
  const membersKey = props.members.join('\u0000');

  useEffect(() => {
    if (container.current === null) return;
    const cy = cytoscape({ container: container.current, style: STYLE, userZoomingEnabled: false, userPanningEnabled: false, boxSelectionEnabled: false, autoungrabify: true });
    cyRef.current = cy;
    topologyHandle.cy = cy;
    return () => {
      cy.destroy();
      cyRef.current = null;
      if (topologyHandle.cy === cy) topologyHandle.cy = null;
    };
  }, []);

  useEffect(() => {
    const cy = cyRef.current;
    if (cy !== null) layoutAfterSync(cy, props);
  }, [membersKey]);

  useEffect(() => {
    const cy = cyRef.current;
    if (cy !== null) sync(cy, props);
  }, [props.topology, props.cards]);

  const connected = props.topology.links.filter((link) => link.connected).map((link) => linkId(link.from, link.to));
  const down = props.topology.links.filter((link) => !link.connected).map((link) => linkId(link.from, link.to));
  return h('div', { class: 'topology-graph', ref: container, 'data-testid': 'topology', 'data-edges': connected.join(' '), 'data-down-edges': down.join(' ') });
}

function layoutAfterSync(cy: cytoscape.Core, props: TopologyGraphProps): void {
  sync(cy, props);
  layout(cy);
}
