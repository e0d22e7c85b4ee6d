"""Default data: SPEC M2's maintenance policies and SPEC M4's visit questionnaires.

Loaded by migration 0002; used as a fallback when the tables are empty (a flushed database),
so that plans are never computed from "no policy".
"""

# (scope, key, phone contact every N days, visit every N months, whom to visit, responsible)
POLICIES: list[tuple[str, str, int | None, int | None, str, str]] = [
    ("grade", "A", 7, 2, "高层领导；指定专人关注客户动态", "客户负责人"),
    ("grade", "B", 7, 3, "市场营销总监及以上", "客户负责人"),
    ("grade", "C", 14, 4, "市场营销经理/总监级别", "客户负责人"),
    ("priority", "core", 30, None, "", "专属客户经理"),
    ("priority", "normal", 91, None, "", "客户负责人"),
    ("priority", "potential", 182, None, "", "客户负责人"),
]

QUESTIONNAIRES: dict[str, list[str]] = {
    "new_first": ["是否已收到货物并完成安装？", "对产品的第一印象如何？", "是否了解售后服务渠道？"],
    "new_periodic": ["产品使用深度如何？", "产品有哪些优点和不足？", "还有哪些进一步需求？"],
    "existing_periodic": [
        "目前使用情况和满意度如何？",
        "是否出现新的问题？",
        "如何看待竞争对手的产品？",
        "是否有新的合作机会？",
    ],
    "special": ["新产品/升级的使用情况如何？", "是否有需要我们协助的地方？"],
    "key_deep": ["对我们的总体评价如何？", "贵公司有哪些战略性需求？", "对我们发展方向有何期望？"],
    "after_complaint": ["对投诉处理结果是否满意？", "问题是否已彻底解决？", "对我们还有什么建议？"],
    "after_problem": ["问题是否已彻底解决？", "对处理速度是否满意？", "是否还有其他技术问题？"],
    "satisfaction": ["需求是否已按期望实现？", "对实现效果是否满意？"],
}
