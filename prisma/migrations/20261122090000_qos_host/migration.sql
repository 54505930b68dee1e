-- QoS: the host whose tc state an application changed. Rollbacks and automatic reverts run
-- only on a node of that host, since another machine's restore would rewrite its own tc state.
ALTER TABLE "qos_applications" ADD COLUMN "host" VARCHAR(255);
