/*
 * Tests for core/data/smp.c: strategic merge patch as `kubectl kustomize` applies
 * it (the expected values below were produced by kubectl kustomize v5.5)
 * and as the API server applies it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "base/base.h"
#include "data/data.h"

/* JSON written with single quotes, to keep the cases readable. */
static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_error_t err;
	json_t *v;
	char *p;

	assert_non_null(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, 0, &err);
	if (!v)
		fail_msg("bad test JSON at %d: %s: %s", err.position, err.text, s);
	free(s);
	return v;
}

static void expect_patch(kd_smp_mode mode, const char *target,
			 const char *patch, const char *want)
{
	json_t *t = J(target), *p = J(patch), *w = J(want);
	json_t *t_before = json_deep_copy(t), *p_before = json_deep_copy(p);
	json_t *out = NULL;

	assert_int_equal(kd_smp_apply(&out, t, p, mode), 0);
	assert_non_null(out);
	if (!json_equal(out, w)) {
		char *got = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);

		fail_msg("got %s", got);
	}
	/* inputs are never modified */
	assert_true(json_equal(t, t_before));
	assert_true(json_equal(p, p_before));
	json_decref(t);
	json_decref(p);
	json_decref(w);
	json_decref(t_before);
	json_decref(p_before);
	json_decref(out);
}

#define POD(spec) "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':" spec "}"
#define SVC(ports) "{'apiVersion':'v1','kind':'Service','metadata':{'name':'s'},'spec':{'ports':" ports "}}"
#define CR(spec) "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':" spec "}"

static void test_env_patch_elements_come_first(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'B','value':'3'},{'name':'Z','value':'9'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'B','value':'3'},{'name':'Z','value':'9'},{'name':'A','value':'1'}]}]}"));
	/* several untouched originals keep their relative order */
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','env':[{'name':'A','value':'1'},{'name':'B'},{'name':'C'},{'name':'D'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'C','value':'c'},{'name':'E'},{'name':'F'},{'name':'A','value':'a'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'C','value':'c'},{'name':'E'},{'name':'F'},{'name':'A','value':'a'},{'name':'B'},{'name':'D'}]}]}"));
}

static void test_containers_merge_by_name(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'template':{'spec':{'containers':[{'name':'c1','image':'nginx','args':['x','y']},{'name':'c2','image':'busybox'}]}}}}",
		     "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'template':{'spec':{'containers':[{'name':'c3','image':'x'},{'name':'c1','args':['q']}]}}}}",
		     "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'template':{'spec':{'containers':[{'name':'c3','image':'x'},{'name':'c1','image':'nginx','args':['q']},{'name':'c2','image':'busybox'}]}}}}");
}

static void test_cronjob_nested_lists(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'c'},'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'x','env':[{'name':'E','value':'1'}]}]}}}}}}",
		     "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'c'},'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'F','value':'2'}]}]}}}}}}",
		     "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'c'},'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'x','env':[{'name':'F','value':'2'},{'name':'E','value':'1'}]}]}}}}}}");
}

static void test_volume_mounts_merge_by_mount_path(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','volumeMounts':[{'name':'v1','mountPath':'/a'},{'name':'v2','mountPath':'/b'}]}]}"),
		     POD("{'containers':[{'name':'a','volumeMounts':[{'name':'v9','mountPath':'/b'}]}]}"),
		     POD("{'containers':[{'name':'a','volumeMounts':[{'name':'v9','mountPath':'/b'},{'name':'v1','mountPath':'/a'}]}]}"));
}

static void test_delete_directive(void **state)
{
	(void)state;
	/* element by key; a missing one is ignored */
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'},{'name':'c','image':'z'}]}"),
		     POD("{'containers':[{'name':'a'},{'name':'b','$patch':'delete'},{'name':'q','$patch':'delete'},{'name':'d','image':'q'}]}"),
		     POD("{'containers':[{'name':'a','image':'x'},{'name':'d','image':'q'},{'name':'c','image':'z'}]}"));
	/* a map field */
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'securityContext':{'runAsUser':1},'x':1}"),
		     POD("{'securityContext':{'$patch':'delete'}}"),
		     POD("{'x':1}"));
	/* the last element leaves an empty list behind, as kustomize does */
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'initContainers':[{'name':'i','image':'x'}]}"),
		     POD("{'initContainers':[{'name':'i','$patch':'delete'}]}"),
		     POD("{'initContainers':[]}"));
}

static void test_replace_directive(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'volumes':[{'name':'v','emptyDir':{}}],'securityContext':{'runAsUser':1,'fsGroup':2}}"),
		     POD("{'volumes':[{'$patch':'replace'},{'name':'w','emptyDir':{}}],'securityContext':{'$patch':'replace','runAsGroup':5}}"),
		     POD("{'volumes':[{'name':'w','emptyDir':{}}],'securityContext':{'runAsGroup':5}}"));
	/* $patch: merge is the default and is stripped */
	expect_patch(KD_SMP_KUSTOMIZE,
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':{'x':'y'}}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':{'$patch':'merge','z':'w'}}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':{'x':'y','z':'w'}}}");
}

static void test_null_removes_and_new_maps_are_cleaned(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'a':{'b':1,'c':2},'labels':{'x':'y'}}"),
		     POD("{'a':{'b':null},'labels':null,'n':{'x':null,'y':1,'z':{'$patch':'delete'},'d':{'$patch':'replace','e':1}}}"),
		     POD("{'a':{'c':2},'n':{'y':1,'d':{'e':1}}}"));
}

static void test_custom_resources_merge_maps_replace_lists(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     CR("{'items':[{'name':'a','v':1},{'name':'b','v':2}],'prims':['a','b'],'m':{'a':1,'b':{'c':2}},'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'}]}"),
		     CR("{'items':[{'name':'b','v':3}],'prims':['c'],'m':{'a':null,'b':{'d':3}},'containers':[{'name':'b','image':'z'}]}"),
		     CR("{'items':[{'name':'b','v':3}],'prims':['c'],'m':{'b':{'c':2,'d':3}},'containers':[{'name':'b','image':'z'}]}"));
	assert_false(kd_smp_has_schema("example.com/v1", "Widget"));
	assert_true(kd_smp_has_schema("apps/v1", "Deployment"));
}

static void test_lists_without_merge_key_are_replaced(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'tolerations':[{'key':'a'},{'key':'b'}],'containers':[{'name':'a','args':['x','y','z']}]}"),
		     POD("{'tolerations':[{'key':'c'}],'containers':[{'name':'a','args':['q']}]}"),
		     POD("{'tolerations':[{'key':'c'}],'containers':[{'name':'a','args':['q']}]}"));
}

static void test_finalizers_merge_as_a_set(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['a','b']}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['c','a']}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['c','a','b']}}");
	expect_patch(KD_SMP_SERVER,
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['a','b']}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['c','a']}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['c','a','b']}}");
}

static void test_service_ports_without_protocols(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     SVC("[{'port':1},{'port':2},{'port':3}]"),
		     SVC("[{'port':3,'name':'x'},{'port':5},{'port':6},{'port':1,'name':'y'}]"),
		     SVC("[{'port':3,'name':'x'},{'port':5},{'port':6},{'port':1,'name':'y'},{'port':2}]"));
	expect_patch(KD_SMP_KUSTOMIZE,
		     SVC("[{'port':1},{'port':2},{'port':3}]"),
		     SVC("[{'port':2,'$patch':'delete'},{'port':7}]"),
		     SVC("[{'port':7},{'port':1},{'port':3}]"));
}

static void test_ports_keyed_by_port_and_protocol(void **state)
{
	(void)state;
	/* new ports first, originals in place */
	expect_patch(KD_SMP_KUSTOMIZE,
		     SVC("[{'port':1,'protocol':'TCP'},{'port':2,'protocol':'UDP'},{'port':3,'protocol':'TCP'}]"),
		     SVC("[{'port':3,'protocol':'TCP','name':'x'},{'port':5,'protocol':'TCP'},{'port':1,'protocol':'TCP','name':'y'}]"),
		     SVC("[{'port':5,'protocol':'TCP'},{'port':1,'protocol':'TCP','name':'y'},{'port':2,'protocol':'UDP'},{'port':3,'protocol':'TCP','name':'x'}]"));
	expect_patch(KD_SMP_KUSTOMIZE,
		     SVC("[{'port':1,'protocol':'TCP'},{'port':2}]"),
		     SVC("[{'port':2,'name':'y'},{'port':9}]"),
		     SVC("[{'port':9},{'port':1,'protocol':'TCP'},{'port':2,'name':'y'}]"));
	/* a patch port that differs from the original only by protocol is
	 * dropped by kustomize */
	expect_patch(KD_SMP_KUSTOMIZE, SVC("[{'port':1,'protocol':'TCP'}]"),
		     SVC("[{'port':1,'name':'x'}]"), SVC("[{'port':1,'protocol':'TCP'}]"));
	expect_patch(KD_SMP_KUSTOMIZE, SVC("[{'port':1}]"),
		     SVC("[{'port':1,'protocol':'TCP','name':'x'}]"), SVC("[{'port':1}]"));
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','ports':[{'containerPort':1},{'containerPort':2},{'containerPort':3,'protocol':'TCP'},{'containerPort':4}]}]}"),
		     POD("{'containers':[{'name':'a','ports':[{'containerPort':3,'name':'x'},{'containerPort':5},{'containerPort':6},{'containerPort':1,'name':'y'}]}]}"),
		     POD("{'containers':[{'name':'a','ports':[{'containerPort':5},{'containerPort':6},{'containerPort':1,'name':'y'},{'containerPort':2},{'containerPort':3,'protocol':'TCP'},{'containerPort':4}]}]}"));
}

static void test_empty_patch_list_keeps_originals(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','env':[{'name':'A'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'A'}]}]}"));
}

static void test_kustomize_keeps_server_directives_as_fields(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'a','args':['x','y']}]}"),
		     POD("{'containers':[{'name':'a','$deleteFromPrimitiveList/args':['y']}]}"),
		     POD("{'containers':[{'name':'a','args':['x','y'],'$deleteFromPrimitiveList/args':['y']}]}"));
}

static void test_server_order_and_directives(void **state)
{
	(void)state;
	expect_patch(KD_SMP_SERVER,
		     POD("{'containers':[{'name':'a','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'B','value':'3'},{'name':'Z','value':'9'}]}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'A','value':'1'},{'name':'B','value':'3'},{'name':'Z','value':'9'}]}]}"));
	expect_patch(KD_SMP_SERVER,
		     POD("{'containers':[{'name':'a','env':[{'name':'A'},{'name':'B'}],'args':['x','y','z']}]}"),
		     POD("{'containers':[{'name':'a','$setElementOrder/env':[{'name':'Z'},{'name':'B'},{'name':'A'}],'env':[{'name':'Z'}],'$deleteFromPrimitiveList/args':['y']}]}"),
		     POD("{'containers':[{'name':'a','env':[{'name':'Z'},{'name':'B'},{'name':'A'}],'args':['x','z']}]}"));
	expect_patch(KD_SMP_SERVER,
		     "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}",
		     "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}",
		     "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'strategy':{'type':'Recreate'}}}");
	expect_patch(KD_SMP_SERVER,
		     SVC("[{'port':80,'protocol':'TCP'},{'port':443}]"),
		     SVC("[{'port':80,'$patch':'delete'},{'port':53,'protocol':'UDP'}]"),
		     SVC("[{'port':53,'protocol':'UDP'},{'port':443}]"));
}

/* The API server interleaves the elements a patch names with those only it
 * had (expected values from `kubectl patch --local --type strategic`, which
 * runs the API server's code). */
#define ENV4 POD("{'containers':[{'name':'m','env':[{'name':'A'},{'name':'B'},{'name':'C'},{'name':'D'}]}]}")
static void test_server_interleaving(void **state)
{
	(void)state;
	expect_patch(KD_SMP_SERVER, ENV4,
		     POD("{'containers':[{'name':'m','env':[{'name':'C','value':'c'},{'name':'E'},{'name':'F'},{'name':'A','value':'a'}]}]}"),
		     POD("{'containers':[{'name':'m','env':[{'name':'B'},{'name':'C','value':'c'},{'name':'E'},{'name':'F'},{'name':'A','value':'a'},{'name':'D'}]}]}"));
	expect_patch(KD_SMP_SERVER, ENV4,
		     POD("{'containers':[{'name':'m','env':[{'name':'D','value':'d'},{'name':'E'}]}]}"),
		     POD("{'containers':[{'name':'m','env':[{'name':'A'},{'name':'B'},{'name':'C'},{'name':'D','value':'d'},{'name':'E'}]}]}"));
	expect_patch(KD_SMP_SERVER, ENV4,
		     POD("{'containers':[{'name':'m','$setElementOrder/env':[{'name':'D'},{'name':'C'},{'name':'B'},{'name':'A'}]}]}"),
		     POD("{'containers':[{'name':'m','env':[{'name':'D'},{'name':'C'},{'name':'B'},{'name':'A'}]}]}"));
	expect_patch(KD_SMP_SERVER, ENV4,
		     POD("{'containers':[{'name':'m','$setElementOrder/env':[{'name':'E'},{'name':'B'}],'env':[{'name':'E'}]}]}"),
		     POD("{'containers':[{'name':'m','env':[{'name':'E'},{'name':'A'},{'name':'B'},{'name':'C'},{'name':'D'}]}]}"));
	expect_patch(KD_SMP_SERVER,
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['a','b','c','d']}}",
		     "{'metadata':{'finalizers':['c','e','a']}}",
		     "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['b','c','e','a','d']}}");
}

static void test_delete_whole_object(void **state)
{
	json_t *t = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'}}");
	json_t *p = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'$patch':'delete'}");
	json_t *out = (json_t *)1;

	(void)state;
	assert_int_equal(kd_smp_apply(&out, t, p, KD_SMP_KUSTOMIZE), 0);
	assert_null(out);
	json_decref(t);
	json_decref(p);
}

static void test_bad_patches(void **state)
{
	json_t *t = J(POD("{}"));
	json_t *bad = J(POD("{'a':{'$patch':'explode'}}"));
	json_t *arr = J("[1]");
	json_t *out = NULL;

	(void)state;
	/* the API server refuses an unknown directive; kustomize keeps it as
	 * a field (kubectl kustomize prints "$patch: explode") */
	assert_int_equal(kd_smp_apply(&out, t, bad, KD_SMP_SERVER), KD_EINVAL);
	assert_null(out);
	assert_non_null(strstr(kd_error_last(), "explode"));
	assert_int_equal(kd_smp_apply(&out, t, bad, KD_SMP_KUSTOMIZE), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_object_get(out, "spec"), "a"), "$patch")), "explode");
	json_decref(out);
	out = NULL;
	assert_int_equal(kd_smp_apply(&out, t, arr, KD_SMP_KUSTOMIZE), KD_EINVAL);
	assert_null(out);
	json_decref(t);
	json_decref(bad);
	json_decref(arr);
}

/* Expected values from kubectl kustomize v5.5. */
static void test_more_keyed_lists(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'hostAliases':[{'ip':'1.1.1.1','hostnames':['a']},{'ip':'2.2.2.2','hostnames':['b']}],'imagePullSecrets':[{'name':'a'},{'name':'b'}]}"),
		     POD("{'hostAliases':[{'ip':'2.2.2.2','hostnames':['c']},{'ip':'3.3.3.3','hostnames':['d']}],'imagePullSecrets':[{'name':'c'}]}"),
		     POD("{'hostAliases':[{'ip':'2.2.2.2','hostnames':['c']},{'ip':'3.3.3.3','hostnames':['d']},{'ip':'1.1.1.1','hostnames':['a']}],'imagePullSecrets':[{'name':'c'},{'name':'a'},{'name':'b'}]}"));
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'topologySpreadConstraints':[{'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule','maxSkew':1},{'topologyKey':'host','whenUnsatisfiable':'ScheduleAnyway','maxSkew':1}]}"),
		     POD("{'topologySpreadConstraints':[{'topologyKey':'host','whenUnsatisfiable':'ScheduleAnyway','maxSkew':3},{'topologyKey':'rack','whenUnsatisfiable':'DoNotSchedule','maxSkew':1}]}"),
		     POD("{'topologySpreadConstraints':[{'topologyKey':'rack','whenUnsatisfiable':'DoNotSchedule','maxSkew':1},{'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule','maxSkew':1},{'topologyKey':'host','whenUnsatisfiable':'ScheduleAnyway','maxSkew':3}]}"));
	/* null removes a keyed list and a replaced one alike */
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'containers':[{'name':'c','image':'x','env':[{'name':'A'}],'command':['a']}],'nodeSelector':{'a':'b'}}"),
		     POD("{'containers':[{'name':'c','env':null,'command':null}],'nodeSelector':{'c':'d'}}"),
		     POD("{'containers':[{'name':'c','image':'x'}],'nodeSelector':{'a':'b','c':'d'}}"));
}

static void expect_refused(const char *target, const char *patch, const char *words)
{
	json_t *t = J(target), *p = J(patch), *out = NULL;

	assert_int_equal(kd_smp_apply(&out, t, p, KD_SMP_KUSTOMIZE), KD_EINVAL);
	assert_null(out);
	assert_non_null(strstr(kd_error_last(), words));
	json_decref(t);
	json_decref(p);
}

/* kustomize refuses to merge a mapping into a scalar, a list into a
 * mapping, and so on; the API server's flavour replaces instead. */
static void test_node_kind_mismatch(void **state)
{
	(void)state;
	expect_refused(POD("{'replicas':1}"), POD("{'replicas':{'n':1}}"), "'replicas' is a scalar");
	expect_refused(POD("{'nodeSelector':{'a':'b'}}"), POD("{'nodeSelector':'x'}"), "'nodeSelector' is a mapping");
	expect_refused(POD("{'nodeSelector':{'a':'b'}}"), POD("{'nodeSelector':['a']}"), "the patch gives a list");
	expect_refused(POD("{'hostAliases':[{'ip':'1'}]}"), POD("{'hostAliases':{'a':'b'}}"), "'hostAliases' is a list");
	expect_patch(KD_SMP_SERVER, POD("{'replicas':1}"), POD("{'replicas':{'n':1}}"), POD("{'replicas':{'n':1}}"));
}

/* Lists newer than kustomize's built-in schema are replaced by kustomize
 * but merged by key by the API server (kubectl kustomize and kubectl patch
 * --local agree with these). */
static void test_schema_age(void **state)
{
	(void)state;
	expect_patch(KD_SMP_KUSTOMIZE,
		     POD("{'schedulingGates':[{'name':'a'},{'name':'b'}],'resourceClaims':[{'name':'a','x':1},{'name':'b'}]}"),
		     POD("{'schedulingGates':[{'name':'c'}],'resourceClaims':[{'name':'a','y':2}]}"),
		     POD("{'schedulingGates':[{'name':'c'}],'resourceClaims':[{'name':'a','y':2}]}"));
	expect_patch(KD_SMP_SERVER,
		     POD("{'schedulingGates':[{'name':'a'},{'name':'b'}],'resourceClaims':[{'name':'a','x':1},{'name':'b'}]}"),
		     POD("{'schedulingGates':[{'name':'c'}],'resourceClaims':[{'name':'a','y':2}]}"),
		     POD("{'schedulingGates':[{'name':'c'},{'name':'a'},{'name':'b'}],'resourceClaims':[{'name':'a','x':1,'y':2},{'name':'b'}]}"));
	/* ServiceAccount secrets merge by name, its imagePullSecrets do not */
	expect_patch(KD_SMP_KUSTOMIZE,
		     "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'sa'},'secrets':[{'name':'a'},{'name':'b'}],'imagePullSecrets':[{'name':'a'}]}",
		     "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'sa'},'secrets':[{'name':'c'}],'imagePullSecrets':[{'name':'c'}]}",
		     "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'sa'},'secrets':[{'name':'c'},{'name':'a'},{'name':'b'}],'imagePullSecrets':[{'name':'c'}]}");
}

static void test_list_keys_for_the_diff(void **state)
{
	const char *keys[2];
	bool prim = false;

	(void)state;
	assert_int_equal(kd_smp_list_keys(keys, 2, &prim, "apps/v1", "Deployment",
					  "/spec/template/spec/containers"), 1);
	assert_string_equal(keys[0], "name");
	assert_int_equal(kd_smp_list_keys(keys, 2, &prim, "apps/v1", "Deployment",
					  "/spec/template/spec/containers/0/ports"), 2);
	assert_string_equal(keys[0], "containerPort");
	assert_string_equal(keys[1], "protocol");
	assert_int_equal(kd_smp_list_keys(keys, 2, &prim, "v1", "Pod",
					  "/spec/tolerations"), 0);
	assert_int_equal(kd_smp_list_keys(keys, 2, &prim, "v1", "ConfigMap",
					  "/metadata/finalizers"), 0);
	assert_true(prim);
	assert_int_equal(kd_smp_list_keys(keys, 2, &prim, "example.com/v1", "Widget",
					  "/spec/containers"), 0);
}

/* A schema read from an OpenAPI document: a recursive definition, a map's
 * values (additionalProperties), keyed lists by list-map keys or merge key,
 * a merge list of scalars; with and without the built-in schema beside it. */
static void test_openapi_schema(void **state)
{
	json_t *doc = J("{'definitions':{"
			"'v1.Tree':{'x-kubernetes-group-version-kind':[{'group':'ex.com','version':'v1','kind':'Tree'}],"
			"  'properties':{'spec':{'$ref':'#/definitions/v1.Node'}}},"
			"'v1.Node':{'properties':{"
			"  'children':{'type':'array','items':{'$ref':'#/definitions/v1.Node'},"
			"    'x-kubernetes-patch-strategy':'merge','x-kubernetes-patch-merge-key':'id'},"
			"  'byName':{'additionalProperties':{'properties':{'ports':{'type':['array'],"
			"    'items':{'type':'object'},'x-kubernetes-patch-strategy':'retainKeys,merge',"
			"    'x-kubernetes-list-map-keys':['port','protocol']}}}},"
			"  'tags':{'type':'array','items':{'type':'string'},'x-kubernetes-patch-strategy':'merge'},"
			"  'template':{'$ref':'#/definitions/io.k8s.api.core.v1.PodTemplateSpec'}}}}}");
	json_t *target = J("{'apiVersion':'ex.com/v1','kind':'Tree','spec':{"
			   "'children':[{'id':'a','v':1,'children':[{'id':'x','v':1}]},{'id':'b','v':1}],"
			   "'byName':{'m':{'ports':[{'port':1,'protocol':'TCP','n':1},{'port':1,'protocol':'UDP','n':1}]}},"
			   "'tags':['t1'],"
			   "'template':{'spec':{'containers':[{'name':'c','image':'i1','env':[{'name':'E','value':'1'}]}]}}}}");
	json_t *patch = J("{'apiVersion':'ex.com/v1','kind':'Tree','spec':{"
			  "'children':[{'id':'a','children':[{'id':'x','v':2}]}],"
			  "'byName':{'m':{'ports':[{'port':1,'protocol':'UDP','n':2}]}},"
			  "'tags':['t2'],"
			  "'template':{'spec':{'containers':[{'name':'c','image':'i2'}]}}}}");
	json_t *with = J("{'apiVersion':'ex.com/v1','kind':'Tree','spec':{"
			 "'children':[{'id':'a','v':1,'children':[{'id':'x','v':2}]},{'id':'b','v':1}],"
			 "'byName':{'m':{'ports':[{'port':1,'protocol':'TCP','n':1},{'port':1,'protocol':'UDP','n':2}]}},"
			 "'tags':['t2','t1'],"
			 "'template':{'spec':{'containers':[{'name':'c','image':'i2','env':[{'name':'E','value':'1'}]}]}}}}");
	json_t *alone = J("{'apiVersion':'ex.com/v1','kind':'Tree','spec':{"
			  "'children':[{'id':'a','v':1,'children':[{'id':'x','v':2}]},{'id':'b','v':1}],"
			  "'byName':{'m':{'ports':[{'port':1,'protocol':'TCP','n':1},{'port':1,'protocol':'UDP','n':2}]}},"
			  "'tags':['t2','t1'],"
			  "'template':{'spec':{'containers':[{'name':'c','image':'i2'}]}}}}");
	json_t *dep = J("{'apiVersion':'apps/v1','kind':'Deployment','spec':{'template':{'spec':"
			"{'containers':[{'name':'c','image':'i1'},{'name':'d','image':'i1'}]}}}}");
	json_t *dep_patch = J("{'apiVersion':'apps/v1','kind':'Deployment','spec':{'template':{'spec':"
			      "{'containers':[{'name':'d','image':'i2'}]}}}}");
	kd_smp_schema *builtin = NULL, *only = NULL;
	json_t *out = NULL;

	(void)state;
	assert_int_equal(kd_smp_schema_new(&builtin, doc, true), 0);
	assert_int_equal(kd_smp_schema_new(&only, doc, false), 0);
	assert_int_equal(kd_smp_apply_ex(&out, target, patch, KD_SMP_KUSTOMIZE, NULL, builtin), 0);
	assert_true(json_equal(out, with));
	json_decref(out);
	assert_int_equal(kd_smp_apply_ex(&out, target, patch, KD_SMP_KUSTOMIZE, NULL, only), 0);
	assert_true(json_equal(out, alone));
	json_decref(out);
	/* the document alone: a Deployment's containers are replaced whole */
	assert_int_equal(kd_smp_apply_ex(&out, dep, dep_patch, KD_SMP_KUSTOMIZE, NULL, only), 0);
	assert_true(json_equal(out, dep_patch));
	json_decref(out);
	assert_int_equal(kd_smp_apply_ex(&out, dep, dep_patch, KD_SMP_KUSTOMIZE, NULL, builtin), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(
		json_object_get(out, "spec"), "template"), "spec"), "containers")), 2);
	json_decref(out);
	kd_smp_schema_free(builtin);
	kd_smp_schema_free(only);
	kd_smp_schema_free(NULL);
	json_decref(doc);
	doc = J("[]");
	assert_int_equal(kd_smp_schema_new(&only, doc, false), KD_EINVAL);
	assert_null(only);
	json_decref(doc);
	json_decref(target);
	json_decref(patch);
	json_decref(with);
	json_decref(alone);
	json_decref(dep);
	json_decref(dep_patch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_patch_elements_come_first),
		cmocka_unit_test(test_containers_merge_by_name),
		cmocka_unit_test(test_cronjob_nested_lists),
		cmocka_unit_test(test_volume_mounts_merge_by_mount_path),
		cmocka_unit_test(test_delete_directive),
		cmocka_unit_test(test_replace_directive),
		cmocka_unit_test(test_null_removes_and_new_maps_are_cleaned),
		cmocka_unit_test(test_custom_resources_merge_maps_replace_lists),
		cmocka_unit_test(test_lists_without_merge_key_are_replaced),
		cmocka_unit_test(test_finalizers_merge_as_a_set),
		cmocka_unit_test(test_service_ports_without_protocols),
		cmocka_unit_test(test_ports_keyed_by_port_and_protocol),
		cmocka_unit_test(test_empty_patch_list_keeps_originals),
		cmocka_unit_test(test_kustomize_keeps_server_directives_as_fields),
		cmocka_unit_test(test_server_order_and_directives),
		cmocka_unit_test(test_server_interleaving),
		cmocka_unit_test(test_delete_whole_object),
		cmocka_unit_test(test_bad_patches),
		cmocka_unit_test(test_more_keyed_lists),
		cmocka_unit_test(test_node_kind_mismatch),
		cmocka_unit_test(test_schema_age),
		cmocka_unit_test(test_list_keys_for_the_diff),
		cmocka_unit_test(test_openapi_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
