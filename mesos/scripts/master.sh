#!/bin/bash
# gomagnum Mesos master: ZooKeeper (one member of the masters' ensemble),
# the Mesos master and Marathon. Sourced by bootstrap.sh after lib.sh.
set -euo pipefail

# zookeeper_config writes the member id (index + 1) and the ensemble.
zookeeper_config() {
	local IFS=, a n=0 servers=''
	for a in $MASTER_ADDRESSES; do
		n=$((n + 1))
		servers+="server.$n=$a:2888:3888"$'\n'
	done
	MASTER_COUNT=$n
	[ "$((NODE_INDEX + 1))" -le "$MASTER_COUNT" ] || die "node index $NODE_INDEX is outside the $MASTER_COUNT masters"
	put_value /etc/zookeeper/conf/myid "$((NODE_INDEX + 1))"
	put /etc/zookeeper/conf/zoo.cfg 0644 <<CFG
# Written by gomagnum.
tickTime=2000
initLimit=10
syncLimit=5
dataDir=/var/lib/zookeeper
clientPort=2181
autopurge.snapRetainCount=3
autopurge.purgeInterval=24
${servers}
CFG
}

# mesos_master_config: ZooKeeper URL, quorum (a majority of the masters),
# addresses and the cluster's name.
mesos_master_config() {
	put_value /etc/mesos/zk "$(zk_url mesos)"
	put_value /etc/mesos-master/quorum "$((MASTER_COUNT / 2 + 1))"
	put_value /etc/mesos-master/ip "$PRIVATE_IP"
	put_value /etc/mesos-master/hostname "${PUBLIC_IP:-$PRIVATE_IP}"
	put_value /etc/mesos-master/cluster "$CLUSTER_NAME"
	put_value /etc/mesos-master/work_dir /var/lib/mesos
}

# marathon_config: Marathon finds the masters and keeps its state in
# ZooKeeper; it serves the API on 8080.
marathon_config() {
	put_value /etc/marathon/conf/master "$(zk_url mesos)"
	put_value /etc/marathon/conf/zk "$(zk_url marathon)"
	put_value /etc/marathon/conf/hostname "${PUBLIC_IP:-$PRIVATE_IP}"
	put_value /etc/marathon/conf/http_port 8080
	proxy_dropin marathon.service
}

# master_services starts the master's services (and not a slave's).
master_services() {
	services_off mesos-slave
	enable_now zookeeper mesos-master marathon
	wait_http "http://$PRIVATE_IP:5050/health" "the Mesos master"
}
