"""Fleet state: pools of identical nodes, racks, spares, free-GPU buckets and placement.

A pool is a group of identical nodes (one system, one commercial kind: owned, reserved,
on-demand or spot). Each node is in one state: in service, spare, in repair, or away (spot
reclaimed). In-service nodes sit in buckets by free GPUs so that best-fit placement of sub-node
jobs is O(GPUs per node); multi-node gangs of any size take whole free nodes, rack-packed when
topology-aware, plus their remainder on the fullest node with room.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IN_SERVICE, SPARE, REPAIR, AWAY = 0, 1, 2, 3

Alloc = list[tuple[int, int]]  # (node index, GPUs on that node)


@dataclass
class Pool:
    """Nodes of one type. Powers are per node (kW); price per GPU-hour (USD)."""

    id: str
    kind: str
    accelerator: str
    gpus_per_node: int
    nodes: int
    nodes_per_rack: int
    price_usd_per_gpu_hour: float
    busy_kw: float
    idle_kw: float
    spares_target: int
    free: list[int] = field(default_factory=list)
    state: list[int] = field(default_factory=list)
    occupants: list[dict[Any, int]] = field(default_factory=list)
    by_free: list[set[int]] = field(default_factory=list)  # in-service nodes by free GPUs (1..g)
    rack_full: list[set[int]] = field(default_factory=list)
    racks_by_count: list[set[int]] = field(default_factory=list)
    spares: list[int] = field(default_factory=list)
    busy_gpus: int = 0
    train_gpus: int = 0  # GPUs held by training/batch jobs (the rest of busy_gpus: serving)
    service_nodes: int = 0
    away_nodes: int = 0
    # integrals over time, kept by World.touch (GPU-s or node-s)
    busy_gpu_s: float = 0.0
    train_gpu_s: float = 0.0
    in_service_gpu_s: float = 0.0
    away_node_s: float = 0.0
    dyn_kw_per_gpu: float = 0.0  # (busy_kw - idle_kw) / gpus_per_node

    def __post_init__(self) -> None:
        g = self.gpus_per_node
        self.dyn_kw_per_gpu = (self.busy_kw - self.idle_kw) / g
        self.free = [g] * self.nodes
        self.state = [IN_SERVICE] * self.nodes
        self.occupants = [{} for _ in range(self.nodes)]
        self.by_free = [set() for _ in range(g + 1)]
        racks = -(-self.nodes // self.nodes_per_rack)
        self.rack_full = [set() for _ in range(racks)]
        self.racks_by_count = [set() for _ in range(self.nodes_per_rack + 1)]
        self.racks_by_count[0].update(range(racks))
        first_spare = self.nodes - self.spares_target
        for n in range(self.nodes):
            if n >= first_spare:
                self.state[n] = SPARE
                self.spares.append(n)
            else:
                self.by_free[g].add(n)
                self._rack_add(n)
                self.service_nodes += 1

    # ---- bookkeeping -------------------------------------------------------------------------
    @property
    def gpus_in_service(self) -> int:
        """GPUs on in-service nodes (the schedulable capacity)."""
        return self.service_nodes * self.gpus_per_node

    @property
    def free_gpus(self) -> int:
        return self.gpus_in_service - self.busy_gpus

    def free_on(self, nodes: set[int]) -> int:
        """Free GPUs on those of ``nodes`` that are in service."""
        free, state = self.free, self.state
        return sum(free[n] for n in nodes if state[n] == IN_SERVICE)

    def _rack_add(self, node: int) -> None:
        rack = node // self.nodes_per_rack
        members = self.rack_full[rack]
        if node not in members:
            self.racks_by_count[len(members)].discard(rack)
            members.add(node)
            self.racks_by_count[len(members)].add(rack)

    def _rack_discard(self, node: int) -> None:
        rack = node // self.nodes_per_rack
        members = self.rack_full[rack]
        if node in members:
            self.racks_by_count[len(members)].discard(rack)
            members.discard(node)
            self.racks_by_count[len(members)].add(rack)

    def _set_free(self, node: int, value: int) -> None:
        free = self.free
        old = free[node]
        by_free = self.by_free  # by_free[0] stays empty: full nodes are never searched
        if old:
            by_free[old].discard(node)
        free[node] = value
        if value:
            by_free[value].add(node)
        g = self.gpus_per_node
        if (old == g) != (value == g):  # the node joins or leaves its rack's wholly free nodes
            rack = node // self.nodes_per_rack
            members = self.rack_full[rack]
            by_count = self.racks_by_count
            by_count[len(members)].discard(rack)
            if value == g:
                members.add(node)
            else:
                members.discard(node)
            by_count[len(members)].add(rack)

    def _leave_service(self, node: int) -> None:
        g = self.gpus_per_node
        self.by_free[self.free[node]].discard(node)
        if self.free[node] == g:
            self._rack_discard(node)
        self.busy_gpus -= g - self.free[node]
        self.free[node] = g
        self.service_nodes -= 1

    def _enter_service(self, node: int) -> None:
        self.state[node] = IN_SERVICE
        self.free[node] = self.gpus_per_node
        self.by_free[self.gpus_per_node].add(node)
        self._rack_add(node)
        self.service_nodes += 1

    # ---- placement ---------------------------------------------------------------------------
    def allocate(
        self,
        owner: Any,
        gpus: int,
        topology_aware: bool = True,
        avoid: set[int] | None = None,
    ) -> Alloc | None:
        """Place ``gpus`` for ``owner``; None if they do not fit (nodes in ``avoid`` not used).

        Up to one node: best fit (the fullest node with room). A gang of any size: ``gpus // g``
        whole free nodes (rack-packed when topology-aware) plus the remainder on the fullest
        node with room, else on one more free node.
        """
        g = self.gpus_per_node
        if gpus > self.service_nodes * g - self.busy_gpus:
            return None
        if gpus <= g:
            node = self._best_fit(gpus, g + 1, avoid)
            if node is None:
                return None
            self._set_free(node, self.free[node] - gpus)
            self.occupants[node][owner] = gpus
            self.busy_gpus += gpus
            return [(node, gpus)]
        whole, rem = divmod(gpus, g)
        part = self._best_fit(rem, g, avoid) if rem else None
        chosen = self._free_nodes(whole + (1 if rem and part is None else 0), topology_aware, avoid)
        if chosen is None:
            return None
        if rem and part is None:
            part = chosen.pop()
        alloc: Alloc = []
        for node in chosen:
            self._take(owner, node, g)
            alloc.append((node, g))
        if part is not None:
            self._take(owner, part, rem)
            alloc.append((part, rem))
        return alloc

    def _take(self, owner: Any, node: int, gpus: int) -> None:
        self._set_free(node, self.free[node] - gpus)
        self.occupants[node][owner] = gpus
        self.busy_gpus += gpus

    def _best_fit(self, gpus: int, below: int, avoid: set[int] | None) -> int | None:
        """The in-service node with the fewest free GPUs in [gpus, below), not in ``avoid``."""
        by_free = self.by_free
        for k in range(gpus, below):
            bucket = by_free[k]
            if bucket:
                if not avoid:
                    return next(iter(bucket))
                for node in bucket:
                    if node not in avoid:
                        return node
        return None

    def _free_nodes(self, n: int, topology_aware: bool, avoid: set[int] | None) -> list[int] | None:
        """``n`` wholly free nodes (fullest racks that suffice first when topology-aware)."""
        full = self.by_free[self.gpus_per_node]
        if avoid:
            if len(full) - len(full & avoid) < n:
                return None
            if not topology_aware:
                return [x for x in full if x not in avoid][:n]
            chosen: list[int] = []  # the racks with most free nodes first
            for c in range(self.nodes_per_rack, 0, -1):
                for r in self.racks_by_count[c]:
                    for x in self.rack_full[r]:
                        if x not in avoid:
                            chosen.append(x)
                            if len(chosen) == n:
                                return chosen
            return None
        if len(full) < n:
            return None
        if not topology_aware:
            it = iter(full)
            return [next(it) for _ in range(n)]
        npr = self.nodes_per_rack
        by_count = self.racks_by_count
        racks: list[int] = []
        for c in range(min(n, npr), npr + 1):  # best fit: the fullest rack that suffices
            if by_count[c] and c >= n:
                racks = [next(iter(by_count[c]))]
                break
        if not racks:  # spans racks: take the racks with most free nodes first
            have = 0
            for c in range(npr, 0, -1):
                for r in by_count[c]:
                    racks.append(r)
                    have += c
                    if have >= n:
                        break
                if have >= n:
                    break
        chosen = []
        for r in racks:
            for node in self.rack_full[r]:
                chosen.append(node)
                if len(chosen) == n:
                    return chosen
        return chosen

    def release(self, owner: Any, alloc: Alloc) -> None:
        """Give back ``alloc`` of ``owner`` (nodes no longer in service are skipped)."""
        occupants = self.occupants
        state = self.state
        for node, k in alloc:
            if occupants[node].pop(owner, None) is not None and state[node] == IN_SERVICE:
                self._set_free(node, self.free[node] + k)
                self.busy_gpus -= k

    def racks_spanned(self, alloc: Alloc) -> int:
        """How many racks an allocation touches (placement quality)."""
        if len(alloc) == 1:
            return 1
        return len({node // self.nodes_per_rack for node, _ in alloc})

    # ---- node life cycle ---------------------------------------------------------------------
    def take_out(self, node: int, new_state: int) -> dict[Any, int]:
        """Remove ``node`` from service (repair or away); return its occupants."""
        was = self.state[node]
        occupants = self.occupants[node]
        self.occupants[node] = {}
        if was == IN_SERVICE:
            self._leave_service(node)
        elif was == SPARE:
            self.spares.remove(node)
        self.state[node] = new_state
        if new_state == AWAY:
            self.away_nodes += 1
        return occupants

    def swap_in_spare(self, owner: Any, gpus: int) -> int | None:
        """Give a hot spare to ``owner`` (whole node, ``gpus`` used); None if no spare."""
        if not self.spares:
            return None
        node = self.spares.pop()
        self._enter_service(node)
        self._set_free(node, self.gpus_per_node - gpus)
        self.occupants[node][owner] = gpus
        self.busy_gpus += gpus
        return node

    def bring_back(self, node: int) -> None:
        """A repaired or returning node: refill the spares first, else back into service."""
        if self.state[node] == AWAY:
            self.away_nodes -= 1
        if len(self.spares) < self.spares_target and self.kind != "spot":
            self.state[node] = SPARE
            self.spares.append(node)
        else:
            self._enter_service(node)
