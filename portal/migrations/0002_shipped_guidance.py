"""The shipped guidance, version 1 of every risk point in Simplified Chinese and English. Reviewers publish
later versions in admin; these rows are never edited."""
from django.db import migrations

REMINDER_ZH = ("平台提醒：出现危及消费者权益的行为时，平台可视情况采取公示警告、限制推广（限制商达撮合、禁止投放广告、"
               "禁止参加平台活动）、限流降权等措施；情节严重的，可能封禁商品或清退店铺。")
REMINDER_EN = ("A reminder from the platform: where a store harms consumers, the platform may, depending on the case, "
               "issue a public warning, restrict promotion (no creator matchmaking, no advertising, no platform "
               "campaigns) or reduce the store's traffic; serious cases may lead to products being banned or the "
               "store being removed.")
APPEAL_ZH = ("收到违规后，您可在申诉期（通常为 7 天）内在违规详情页提交一次申诉：写明理由，并附上营业执照、聊天记录、"
             "服务凭证等 PDF、JPEG 或 PNG 文件（最多 5 个，每个不超过 10 MB）。平台审核人员会给出书面理由。")
APPEAL_EN = ("After a violation is recorded you may appeal once, within the appeal window (usually 7 days), from the "
             "violation's page: say why, and attach evidence such as licences, chat records or proof of service as "
             "PDF, JPEG or PNG files (up to 5, 10 MB each). A platform reviewer decides and gives written reasons.")

TEXTS = {
    "complaint_rate": {
        "zh-hans": ("投诉率反映消费者对订单发起投诉的比例。比例偏高说明商品或服务与消费者预期不符。",
                    "某一天的投诉率 = 该日支付的订单在支付后 7 天内产生的投诉工单数 ÷ 该日支付订单数。判定时按"
                    "类目规定的窗口（如 30 天）汇总：窗口内投诉数之和 ÷ 支付订单数之和。",
                    "核对商品描述与实际服务是否一致；及时回复并处理消费者的咨询与投诉；排查投诉集中的商品或时段，"
                    "从源头改进。"),
        "en": ("The complaint rate shows how often customers file a complaint about an order. A high rate means "
               "what you sell does not match what customers expected.",
               "A day's complaint rate = complaint tickets filed within 7 days of payment on orders paid that day, "
               "divided by the orders paid that day. It is judged pooled over the category's window (for example "
               "30 days): all complaints in the window divided by all paid orders in it.",
               "Check that listings describe what you actually deliver; answer questions and complaints quickly; "
               "look for the products or days the complaints cluster on and fix the cause."),
    },
    "negative_review_rate": {
        "zh-hans": ("差评率反映已核销订单中收到差评（1–2 星）的比例。",
                    "某一天的差评率 = 该日核销的订单在核销后 7 天内收到的差评数 ÷ 该日核销订单数；判定时按类目窗口"
                    "汇总计算。",
                    "关注差评内容，改进服务环节；到店服务前确认预约与套餐内容；对不满意的消费者主动沟通解决。"),
        "en": ("The negative review rate shows how many redeemed orders received a negative review (1 or 2 stars).",
               "A day's negative review rate = negative reviews posted within 7 days of redemption on orders "
               "redeemed that day, divided by the orders redeemed that day; it is judged pooled over the category's "
               "window.",
               "Read what the negative reviews say and fix that step of your service; confirm bookings and what a "
               "package includes before the visit; reach out to unhappy customers and resolve their issue."),
    },
    "merchant_refund_rate": {
        "zh-hans": ("商责退单率反映因商家原因退款的订单比例（如无法提供服务、商品与描述不符）。",
                    "某一天的商责退单率 = 该日支付的订单在支付后 7 天内因商家原因产生的退款订单数 ÷ 该日支付订单数；"
                    "判定时按类目窗口汇总计算。",
                    "合理设置库存与可预约时段，避免超卖；如实描述商品；无法履约时提前联系消费者协商。"),
        "en": ("The merchant-responsibility refund rate shows how many orders were refunded because of the store "
               "(a service that could not be provided, a product not as described).",
               "A day's rate = orders paid that day refunded within 7 days for a reason the merchant is responsible "
               "for, divided by the orders paid that day; it is judged pooled over the category's window.",
               "Keep stock and bookable times realistic so you do not oversell; describe products truthfully; if "
               "you cannot serve an order, contact the customer early."),
    },
    "clustered_complaints": {
        "zh-hans": ("同一商品在短时间内集中出现多起纠纷投诉。",
                    "统计同一商品在 3 天内的投诉数，达到类目规定数量（如 5 起预警、10 起违规）即触发。",
                    "立即检查该商品的质量、描述与履约情况，必要时暂停售卖并联系已下单的消费者。"),
        "en": ("Several complaints about the same product within a few days.",
               "Complaints about one product within 3 days are counted; reaching the category's count (for example "
               "5 for a warning, 10 for a violation) triggers it.",
               "Check that product's quality, listing and delivery at once; pause its sale if needed and contact "
               "customers who ordered it."),
    },
    "service_not_provided": {
        "zh-hans": ("订单未按约定提供服务。",
                    "统计 7 天内因“未按约定提供服务”被投诉的订单数，达到规定数量即触发。",
                    "确保营业时间、预约与套餐信息准确；临时无法服务时提前通知消费者并协助退款或改期。"),
        "en": ("Orders not served as agreed.",
               "Orders complained about as not served as agreed within 7 days are counted; reaching the set number "
               "triggers it.",
               "Keep opening hours, bookings and package details accurate; if you cannot serve, tell customers in "
               "advance and help them reschedule or get a refund."),
    },
    "related_entity": {
        "zh-hans": ("与您同一经营主体的其他店铺曾发生危及消费者权益的违规。",
                    "查看同一主体下的店铺在近 180 天内已生效的违规。",
                    "检查同一主体下各店铺的经营情况，统一整改。"),
        "en": ("Another store of the same legal entity has an upheld violation that harmed consumers.",
               "Violations in effect within the last 180 days of stores of the same legal entity are considered.",
               "Review how every store of the entity operates and fix the issues across all of them."),
    },
    "public_opinion": {
        "zh-hans": ("商家相关行为已产生或可能产生负面舆情。", "由平台审核人员根据公开信息判定。",
                    "及时回应消费者关切，纠正引发舆情的问题。"),
        "en": ("The store's conduct has caused, or may cause, negative public opinion.",
               "A platform reviewer judges it from public information.",
               "Respond to customers' concerns promptly and correct what caused them."),
    },
    "other": {
        "zh-hans": ("其他可能危及消费者权益的行为。", "由平台审核人员判定，并在违规详情中说明理由。",
                    "按违规详情中的说明整改。"),
        "en": ("Other conduct that may harm consumers.", "A platform reviewer judges it and explains why in the "
               "violation's details.", "Correct what the violation's details describe."),
    },
}


def seed(apps, schema_editor):
    GuidanceVersion = apps.get_model("portal", "GuidanceVersion")
    for risk_point, languages in TEXTS.items():
        for language, (meaning, computation, improve) in languages.items():
            zh = language == "zh-hans"
            GuidanceVersion.objects.get_or_create(
                risk_point=risk_point, language=language, version=1,
                defaults={"meaning": meaning, "computation": computation, "improve": improve,
                          "appeal": APPEAL_ZH if zh else APPEAL_EN, "reminder": REMINDER_ZH if zh else REMINDER_EN})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_guidance")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
