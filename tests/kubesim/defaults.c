/*
 * defaults — the fields a real API server fills in, and the status its
 * controllers would report once a workload has rolled out.
 *
 * Everything here is a pure function of the object, so that writing the
 * same object twice yields the same result (no-op writes stay no-ops).
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *obj_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, key, v);
	}
	return v;
}

static void dflt(json_t *o, const char *key, json_t *value)
{
	if (o && !json_object_get(o, key))
		json_object_set_new(o, key, value);
	else
		json_decref(value);
}

static void ports_protocol(json_t *ports)
{
	size_t i;
	json_t *p;

	json_array_foreach(ports, i, p)
		if (json_is_object(p))
			dflt(p, "protocol", json_string("TCP"));
}

static void container_defaults(json_t *containers)
{
	size_t i;
	json_t *c;

	json_array_foreach(containers, i, c) {
		const char *image;
		const char *slash, *colon;
		bool latest;

		if (!json_is_object(c))
			continue;
		image = json_string_value(json_object_get(c, "image"));
		latest = true;
		if (image) {
			slash = strrchr(image, '/');
			colon = strrchr(slash ? slash : image, ':');
			latest = (!colon && !strchr(image, '@')) || (colon && !strcmp(colon, ":latest"));
		}
		dflt(c, "imagePullPolicy", json_string(latest ? "Always" : "IfNotPresent"));
		dflt(c, "terminationMessagePath", json_string("/dev/termination-log"));
		dflt(c, "terminationMessagePolicy", json_string("File"));
		dflt(c, "resources", json_object());
		ports_protocol(json_object_get(c, "ports"));
	}
}

static void pod_spec_defaults(json_t *spec)
{
	if (!json_is_object(spec))
		return;
	dflt(spec, "restartPolicy", json_string("Always"));
	dflt(spec, "terminationGracePeriodSeconds", json_integer(30));
	dflt(spec, "dnsPolicy", json_string("ClusterFirst"));
	dflt(spec, "securityContext", json_object());
	dflt(spec, "schedulerName", json_string("default-scheduler"));
	container_defaults(json_object_get(spec, "containers"));
	container_defaults(json_object_get(spec, "initContainers"));
}

static void template_defaults(json_t *spec)
{
	json_t *tmpl = json_object_get(spec, "template");

	if (!json_is_object(tmpl))
		return;
	dflt(obj_at(tmpl, "metadata"), "creationTimestamp", json_null());
	pod_spec_defaults(json_object_get(tmpl, "spec"));
}

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void service_defaults(json_t *obj)
{
	json_t *spec = obj_at(obj, "spec"), *meta = json_object_get(obj, "metadata");
	json_t *ports = json_object_get(spec, "ports"), *p;
	const char *type;
	char ip[32], seed[512];
	size_t i;

	dflt(spec, "type", json_string("ClusterIP"));
	type = json_string_value(json_object_get(spec, "type"));
	if (!type || strcmp(type, "ExternalName")) {
		snprintf(seed, sizeof(seed), "%s/%s",
			 json_string_value(json_object_get(meta, "namespace")) ? json_string_value(json_object_get(meta, "namespace")) : "",
			 json_string_value(json_object_get(meta, "name")) ? json_string_value(json_object_get(meta, "name")) : "");
		unsigned h = hash_str(seed);
		snprintf(ip, sizeof(ip), "10.96.%u.%u", (h >> 8) & 255, (h & 253) + 1);
		dflt(spec, "clusterIP", json_string(ip));
		if (json_is_string(json_object_get(spec, "clusterIP")))
			dflt(spec, "clusterIPs", json_pack("[O]", json_object_get(spec, "clusterIP")));
		dflt(spec, "ipFamilies", json_pack("[s]", "IPv4"));
		dflt(spec, "ipFamilyPolicy", json_string("SingleStack"));
		dflt(spec, "internalTrafficPolicy", json_string("Cluster"));
	}
	dflt(spec, "sessionAffinity", json_string("None"));
	type = json_string_value(json_object_get(spec, "type"));
	json_array_foreach(ports, i, p) {
		if (!json_is_object(p))
			continue;
		dflt(p, "protocol", json_string("TCP"));
		if (json_object_get(p, "port"))
			dflt(p, "targetPort", json_incref(json_object_get(p, "port")));
		if (type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))) {
			/* allocated from 30000-32767, stable per service and port */
			snprintf(seed, sizeof(seed), "%s/%zu", json_string_value(json_object_get(meta, "name")) ?
				 json_string_value(json_object_get(meta, "name")) : "", i);
			dflt(p, "nodePort", json_integer(30000 + (json_int_t)(hash_str(seed) % 2768)));
		}
	}
	if (type && !strcmp(type, "LoadBalancer")) {
		dflt(spec, "externalTrafficPolicy", json_string("Cluster"));
		dflt(spec, "allocateLoadBalancerNodePorts", json_true());
	}
	dflt(obj, "status", json_pack("{s:{}}", "loadBalancer"));
}

void ks_defaults_apply(const ks_type *t, json_t *obj)
{
	const char *k = t->kind;
	json_t *spec;

	if (*t->group && strcmp(t->group, "apps") && strcmp(t->group, "batch"))
		return; /* only core, apps and batch kinds get defaults */
	if (!strcmp(k, "Deployment")) {
		spec = obj_at(obj, "spec");
		dflt(spec, "replicas", json_integer(1));
		dflt(spec, "strategy", json_pack("{s:s, s:{s:s, s:s}}", "type", "RollingUpdate",
						 "rollingUpdate", "maxUnavailable", "25%", "maxSurge", "25%"));
		dflt(spec, "revisionHistoryLimit", json_integer(10));
		dflt(spec, "progressDeadlineSeconds", json_integer(600));
		template_defaults(spec);
	} else if (!strcmp(k, "StatefulSet")) {
		spec = obj_at(obj, "spec");
		dflt(spec, "replicas", json_integer(1));
		dflt(spec, "podManagementPolicy", json_string("OrderedReady"));
		dflt(spec, "updateStrategy", json_pack("{s:s, s:{s:i}}", "type", "RollingUpdate",
						       "rollingUpdate", "partition", 0));
		dflt(spec, "revisionHistoryLimit", json_integer(10));
		dflt(spec, "persistentVolumeClaimRetentionPolicy",
		     json_pack("{s:s, s:s}", "whenDeleted", "Retain", "whenScaled", "Retain"));
		template_defaults(spec);
	} else if (!strcmp(k, "DaemonSet")) {
		spec = obj_at(obj, "spec");
		dflt(spec, "updateStrategy", json_pack("{s:s, s:{s:i, s:i}}", "type", "RollingUpdate",
						       "rollingUpdate", "maxUnavailable", 1, "maxSurge", 0));
		dflt(spec, "revisionHistoryLimit", json_integer(10));
		template_defaults(spec);
	} else if (!strcmp(k, "ReplicaSet")) {
		spec = obj_at(obj, "spec");
		dflt(spec, "replicas", json_integer(1));
		template_defaults(spec);
	} else if (!strcmp(k, "Job")) {
		spec = obj_at(obj, "spec");
		dflt(spec, "backoffLimit", json_integer(6));
		dflt(spec, "completions", json_integer(1));
		dflt(spec, "parallelism", json_integer(1));
		dflt(spec, "completionMode", json_string("NonIndexed"));
		dflt(spec, "suspend", json_false());
		template_defaults(spec);
	} else if (!strcmp(k, "CronJob")) {
		spec = obj_at(obj, "spec");
		dflt(spec, "concurrencyPolicy", json_string("Allow"));
		dflt(spec, "suspend", json_false());
		dflt(spec, "successfulJobsHistoryLimit", json_integer(3));
		dflt(spec, "failedJobsHistoryLimit", json_integer(1));
		template_defaults(json_object_get(spec, "jobTemplate") ?
				  obj_at(json_object_get(spec, "jobTemplate"), "spec") : NULL);
	} else if (!strcmp(k, "Pod")) {
		spec = obj_at(obj, "spec");
		pod_spec_defaults(spec);
		dflt(spec, "serviceAccountName", json_string("default"));
		dflt(spec, "enableServiceLinks", json_true());
		dflt(spec, "priority", json_integer(0));
		dflt(spec, "preemptionPolicy", json_string("PreemptLowerPriority"));
	} else if (!strcmp(k, "Service")) {
		service_defaults(obj);
	} else if (!strcmp(k, "Secret")) {
		dflt(obj, "type", json_string("Opaque"));
	} else if (!strcmp(k, "PersistentVolumeClaim")) {
		dflt(obj_at(obj, "spec"), "volumeMode", json_string("Filesystem"));
	} else if (!strcmp(k, "Namespace")) {
		json_t *labels = obj_at(obj_at(obj, "metadata"), "labels");
		json_t *name = json_object_get(json_object_get(obj, "metadata"), "name");
		if (json_is_string(name))
			json_object_set(labels, "kubernetes.io/metadata.name", name);
		dflt(obj_at(obj, "spec"), "finalizers", json_pack("[s]", "kubernetes"));
		dflt(obj, "status", json_pack("{s:s}", "phase", "Active"));
	}
}

static json_int_t int_or(const json_t *o, const char *key, json_int_t dflt_v)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt_v;
}

static void set_count(json_t *st, const char *key, json_int_t n)
{
	/* Real controllers omit zero counts. */
	if (n)
		json_object_set_new(st, key, json_integer(n));
	else
		json_object_del(st, key);
}

static json_t *condition(const char *type, const char *reason, const char *msg,
			 const char *ts, bool update_time)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", "True",
			      "lastTransitionTime", ts, "reason", reason, "message", msg);

	if (c && update_time)
		json_object_set_new(c, "lastUpdateTime", json_string(ts));
	return c;
}

void ks_status_simulate(const ks_type *t, json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata"), *spec = json_object_get(obj, "spec");
	json_int_t gen = int_or(meta, "generation", 1);
	json_int_t rep = int_or(spec, "replicas", 1);
	const char *ts = json_string_value(json_object_get(meta, "creationTimestamp"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *k = t->kind;
	json_t *st;
	char msg[512], rev[300];

	if (!ts)
		ts = "1970-01-01T00:00:00Z";
	if (!name)
		name = "";
	if (*t->group && strcmp(t->group, "apps") && strcmp(t->group, "batch") &&
	    strcmp(t->group, "autoscaling"))
		return;
	if (!strcmp(k, "Deployment") || !strcmp(k, "ReplicaSet")) {
		st = json_object();
		json_object_set_new(st, "observedGeneration", json_integer(gen));
		set_count(st, "replicas", rep);
		set_count(st, "updatedReplicas", rep);
		set_count(st, "readyReplicas", rep);
		set_count(st, "availableReplicas", rep);
		if (!strcmp(k, "ReplicaSet")) {
			set_count(st, "fullyLabeledReplicas", rep);
			json_object_del(st, "updatedReplicas");
		} else {
			snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", name);
			json_object_set_new(st, "conditions", json_pack("[o,o]",
				condition("Available", "MinimumReplicasAvailable",
					  "Deployment has minimum availability.", ts, true),
				condition("Progressing", "NewReplicaSetAvailable", msg, ts, true)));
		}
		json_object_set_new(obj, "status", st);
	} else if (!strcmp(k, "StatefulSet")) {
		char *tpl = json_dumps(json_object_get(spec, "template"), JSON_COMPACT | JSON_SORT_KEYS);
		snprintf(rev, sizeof(rev), "%s-%08x", name, hash_str(tpl));
		free(tpl);
		st = json_object();
		json_object_set_new(st, "observedGeneration", json_integer(gen));
		json_object_set_new(st, "replicas", json_integer(rep));
		set_count(st, "readyReplicas", rep);
		set_count(st, "currentReplicas", rep);
		set_count(st, "updatedReplicas", rep);
		set_count(st, "availableReplicas", rep);
		json_object_set_new(st, "currentRevision", json_string(rev));
		json_object_set_new(st, "updateRevision", json_string(rev));
		json_object_set_new(st, "collisionCount", json_integer(0));
		json_object_set_new(obj, "status", st);
	} else if (!strcmp(k, "DaemonSet")) {
		json_object_set_new(obj, "status", json_pack(
			"{s:I, s:i, s:i, s:i, s:i, s:i, s:i}", "observedGeneration", (json_int_t)gen,
			"currentNumberScheduled", 1, "desiredNumberScheduled", 1, "numberAvailable", 1,
			"numberMisscheduled", 0, "numberReady", 1, "updatedNumberScheduled", 1));
	} else if (!strcmp(k, "Pod")) {
		json_object_set_new(obj, "status", json_pack(
			"{s:s, s:[{s:s, s:s, s:s}], s:s, s:s}", "phase", "Running", "conditions",
			"type", "Ready", "status", "True", "lastTransitionTime", ts, "qosClass",
			"BestEffort", "startTime", ts));
	} else if (!strcmp(k, "PersistentVolumeClaim")) {
		json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Bound"));
	}
}
